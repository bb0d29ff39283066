/**
 * User-defined metadata (x-amz-meta-*): S3's rules checked before any upload, and values that
 * HTTP headers cannot carry as they are (non-ASCII, line breaks, edge spaces) sent RFC 2047
 * encoded, which S3 itself decodes and re-encodes, and read back decoded.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata
 */
import { invalidInput } from './errors.js';
import { MAX_USER_METADATA_BYTES } from './limits.js';
import { childPointer } from './validate.js';

/** An HTTP header name's characters (RFC 9110 `tchar`): S3 metadata names are header names. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Printable ASCII with no space at either end: sent as it is. */
const PLAIN_VALUE = /^(?:[!-~](?:[ -~]*[!-~])?)?$/;
/** One or more RFC 2047 encoded words, as S3 returns non-ASCII values. */
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const ENCODED_VALUE = /^\s*=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)*\s*$/;

const PREFIX = 'x-amz-meta-';

/** A value as sent: plain when HTTP carries it unchanged, else one UTF-8 encoded word. */
function encodeValue(value: string): string {
  if (PLAIN_VALUE.test(value) && !ENCODED_VALUE.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * Checks `metadata` against S3's rules and returns it as the SDK's `Metadata` (names lowercase,
 * values encoded where needed). Throws InvalidInput naming the offending entry.
 */
export function metadataForUpload(metadata: Record<string, string> | undefined, field = '/metadata'): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    const at = childPointer(field, name);
    if (name.toLowerCase().startsWith(PREFIX)) {
      throw invalidInput(at, `Expected the metadata name without its "${PREFIX}" prefix, like "${name.slice(PREFIX.length)}", but received "${name}": the prefix is added for you.`);
    }
    if (!HEADER_NAME.test(name)) {
      throw invalidInput(
        at,
        `Expected a metadata name of ASCII letters, digits and - _ . ! # $ % & ' * + ^ \` | ~ (S3 sends it as an HTTP header) but received ${JSON.stringify(name)}. Put other text in the value instead.`,
      );
    }
    const lower = name.toLowerCase();
    const clash = seen.get(lower);
    if (clash !== undefined) {
      throw invalidInput(at, `Metadata names "${clash}" and "${name}" are the same to S3, which stores names in lowercase. Keep one of them.`);
    }
    seen.set(lower, name);
    const sent = encodeValue(value);
    out[lower] = sent;
    bytes += Buffer.byteLength(lower) + Buffer.byteLength(sent);
  }
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw invalidInput(
      field,
      `Expected metadata of at most ${MAX_USER_METADATA_BYTES} bytes (names and values together, as S3 counts them) but received ${bytes} bytes. Store large values in the object itself or in a separate object.`,
      { limitBytes: MAX_USER_METADATA_BYTES, bytes },
    );
  }
  return out;
}

function decodeWord(charset: string, encoding: string, text: string): string {
  const bytes =
    encoding.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** A metadata value as the user wrote it: RFC 2047 encoded words decoded, anything else unchanged. */
export function decodeMetadataValue(value: string): string {
  if (!ENCODED_VALUE.test(value)) return value;
  // Whitespace between adjacent encoded words is not part of the text (RFC 2047, section 6.2).
  return value.trim().replace(/\?=\s+=\?/g, '?==?').replace(ENCODED_WORD, (_, charset: string, encoding: string, text: string) => decodeWord(charset, encoding, text));
}

/** S3's metadata answer with every value decoded. */
export function decodeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) out[name] = decodeMetadataValue(value);
  return out;
}
