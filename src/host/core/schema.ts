/**
 * The host's JSON Schema toolkit, per host contract v1 section 2: Ajv2020 in strict mode with the
 * five form-hint keywords registered as annotations, and messages a person at a form can act on.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
// A pure function, shared with the connector's own messages (no connector code runs here through it).
import { looksLikeSecret } from '../../secret-shape.js';

export type JsonSchema = Record<string, unknown>;

/** Form hints of the contract: annotations only, so strict mode accepts them and validation ignores them. */
export const ANNOTATION_KEYWORDS = ['x-secret', 'x-order', 'x-group', 'x-enumNames', 'x-widget'] as const;

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as typeof addFormatsModule;

/**
 * A fresh instance per loaded connector, so two connectors (or two loads) never clash on `$id`.
 * `verbose` gives each error its data and parent schema, for messages that quote the rule's `$comment`.
 */
export function createAjv(options: { strict?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: options.strict ?? true, allErrors: true, verbose: true });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
  return ajv;
}

export interface FieldError {
  /** JSON Pointer to the field, e.g. `/bucket`. */
  field: string;
  message: string;
}

function pointerName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function shown(value: unknown, secret: boolean): string {
  if (secret) return 'a hidden value';
  if (typeof value === 'string' && looksLikeSecret(value)) return `a value of ${value.length} characters (not shown: it looks like a secret)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** The subschema at a JSON Pointer of the data, following `properties` and `items` only. */
function subschema(root: JsonSchema, pointer: string): JsonSchema | undefined {
  let schema: JsonSchema | undefined = root;
  for (const part of pointer.split('/').slice(1)) {
    const properties = schema?.properties as Record<string, JsonSchema> | undefined;
    schema = properties?.[part] ?? (schema?.items as JsonSchema | undefined);
  }
  return schema;
}

function isSecret(schema: JsonSchema | undefined): boolean {
  return schema?.['x-secret'] === true || schema?.writeOnly === true;
}

/** Errors under a failed anyOf/oneOf, or of an `if`, say less than the composite's own error. */
function readable(errors: ErrorObject[]): ErrorObject[] {
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  return errors.filter(
    (e) => e.keyword !== 'if' && !composites.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`)),
  );
}

function describe(error: ErrorObject, root: JsonSchema, subject: string): FieldError {
  const params = error.params as Record<string, unknown>;
  const here = subschema(root, error.instancePath);
  const rule = (error.parentSchema ?? {}) as JsonSchema;
  const name = (pointer: string) => `\`${subject}${pointerName(pointer)}\``;
  const got = shown(error.data, isSecret(here));
  const field = error.instancePath;
  switch (error.keyword) {
    case 'required': {
      const pointer = `${field}/${String(params.missingProperty)}`;
      const title = subschema(root, pointer)?.title;
      return { field: pointer, message: `Missing required ${name(pointer)}${typeof title === 'string' ? ` (${title})` : ''}.` };
    }
    case 'additionalProperties': {
      const pointer = `${field}/${String(params.additionalProperty)}`;
      const known = Object.keys((rule.properties ?? {}) as JsonSchema);
      return { field: pointer, message: `Unknown field ${name(pointer)}: remove it (known fields: ${known.join(', ')}).` };
    }
    case 'pattern':
    case 'format': {
      const expected = typeof rule.$comment === 'string' ? rule.$comment : `a valid ${String(params.format ?? params.pattern)}`;
      return { field, message: `Expected ${expected} for ${name(field)} but received ${got}.` };
    }
    case 'minLength':
    case 'maxLength': {
      const length = typeof error.data === 'string' ? error.data.length : 0;
      const bound = error.keyword === 'minLength' ? 'at least' : 'at most';
      return { field, message: `Expected ${bound} ${String(params.limit)} characters for ${name(field)} but received ${length}.` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const bound = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' }[error.keyword];
      return { field, message: `Expected a number ${bound} ${String(params.limit)} for ${name(field)} but received ${got}.` };
    }
    case 'type':
      return { field, message: `Expected ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)} for ${name(field)} but received ${got}.` };
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue];
      return { field, message: `Expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} for ${name(field)} but received ${got}.` };
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = (Array.isArray(error.schema) ? error.schema : []) as JsonSchema[];
      const described = branches.map((b) => (typeof b.$comment === 'string' ? b.$comment : typeof b.title === 'string' ? b.title : undefined));
      const expected = described.every(Boolean) ? described.join(', or ') : 'a value matching one of the allowed forms';
      return { field, message: `Expected ${expected} for ${name(field)} but received ${got}.` };
    }
    default:
      return { field, message: `${field ? name(field) : `\`${subject.replace(/\.$/, '') || 'value'}\``} ${error.message ?? 'is not valid'} (received ${got}).` };
  }
}

/**
 * Validates without touching the caller's value (no defaults are written into it) and returns one
 * message per problem; empty when valid. `subject` prefixes field names, e.g. "connection.".
 */
export function checker(validate: ValidateFunction, root: JsonSchema, subject = ''): (value: unknown) => FieldError[] {
  return (value) => {
    if (validate(structuredClone(value))) return [];
    const seen = new Set<string>();
    return readable(validate.errors ?? [])
      .map((error) => describe(error, root, subject))
      .filter(({ message }) => !seen.has(message) && Boolean(seen.add(message)));
  };
}
