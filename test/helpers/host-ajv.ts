import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** The annotation keywords of the host contract, section 2: all a host registers. */
export const HOST_ANNOTATIONS = ['x-secret', 'x-order', 'x-group', 'x-enumNames', 'x-widget'] as const;

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/**
 * A schema as a host sees it: a fresh Ajv2020 in strict mode with ajv-formats and only the
 * contract's annotation keywords, independent of the connector's own validator.
 */
export function hostAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  for (const keyword of HOST_ANNOTATIONS) ajv.addKeyword({ keyword });
  return ajv;
}
