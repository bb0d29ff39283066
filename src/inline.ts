/**
 * Content that travels inside the workflow's JSON (text, base64, JSON): a size limit, text
 * decoded strictly so that bytes are never silently altered, and base64 checked before upload.
 */
import { ConnectorError, invalidInput } from './errors.js';

/**
 * Inline content is held in memory and stored by the host with the run, so objects above this
 * size are refused in inline modes; `as: "file"` streams any size.
 */
export const MAX_INLINE_BYTES = 16 * 1024 * 1024;

/** One decoder per charset: a whole-buffer decode keeps no state between calls. */
const decoders = new Map<string, TextDecoder>();

/**
 * Decodes text strictly: a byte sequence that is not valid in `charset` is an error, never a
 * replacement character, so binary data is not corrupted by reading it as text.
 */
export function decodeText(bytes: Uint8Array, charset: string, key: string, charsetField: string): string {
  let decoder = decoders.get(charset);
  try {
    decoder ??= new TextDecoder(charset, { fatal: true });
  } catch (cause) {
    throw new ConnectorError('InvalidInput', `Expected a character set such as "utf-8" or "iso-8859-1" for \`${charsetField.slice(1)}\` but received "${charset}", which is not one Node.js knows.`, {
      field: charsetField,
      cause,
    });
  }
  decoders.set(charset, decoder);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new ConnectorError(
      'InvalidInput',
      `Object "${key}" is not valid ${decoder.encoding} text, so it was not decoded (that would corrupt it). Read it with \`as\` "base64" or "file", or set \`charset\` if it is text in another encoding.`,
      { field: '/as', cause, details: { charset: decoder.encoding } },
    );
  }
}

/** Parses JSON, or says where the object's text stops being JSON. */
export function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectorError(
      'InvalidInput',
      `Object "${key}" is not valid JSON (${reason}). Read it with \`as\` "text" to see its content as it is.`,
      { field: '/as', cause },
    );
  }
}

/** Standard or URL-safe base64, with optional padding; whitespace (line breaks) is ignored. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes base64 strictly: Buffer.from alone would silently skip invalid characters. */
export function decodeBase64(value: string, field: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    const bad = /[^A-Za-z0-9+/_=\s-]/.exec(value);
    throw invalidInput(
      field,
      `Expected base64 for \`${field.slice(1)}\` but received ${bad ? `a character ${JSON.stringify(bad[0])} at position ${bad.index} that base64 does not use` : 'text of a length or padding base64 cannot have'}. Use \`text\` for plain text.`,
    );
  }
  return Buffer.from(compact, 'base64');
}
