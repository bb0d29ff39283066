/**
 * Content types: detected from a key's extension when the user gives none (mime-db, through
 * mime-types: the table Express and most of npm use), and read back for text decoding.
 */
import type { lookup as Lookup } from 'mime-types';
import { requireOnUse } from './lazy.js';

// mime-db's table (about 200 KB of JSON) is parsed on the first lookup, not when the entry loads.
let lookup: typeof Lookup | undefined;

/**
 * Where mime-db has no type, or an older one than IANA now registers
 * (https://www.iana.org/assignments/media-types/): kept here rather than patched into
 * mime-types' shared table, which other packages in the host's process read too.
 */
const OVERRIDES: Readonly<Record<string, string>> = {
  // Not in mime-db.
  jsonl: 'application/jsonl',
  ndjson: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  avro: 'application/avro',
  zst: 'application/zstd',
  tgz: 'application/gzip',
  // Registered since mime-db took the unofficial name: RFC 9512, RFC 9639, RFC 7587, RFC 6350.
  yaml: 'application/yaml',
  yml: 'application/yaml',
  flac: 'audio/flac',
  opus: 'audio/opus',
  vcf: 'text/vcard',
};

/** The content type for a key's extension (case-insensitive), or undefined when none is known. */
export function contentTypeForKey(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  // No extension, or a dotfile such as `.env`: mime-types would read `env` as an extension.
  if (dot <= 0) return undefined;
  lookup ??= (requireOnUse('mime-types') as typeof import('mime-types')).lookup;
  return OVERRIDES[name.slice(dot + 1).toLowerCase()] ?? (lookup(name) || undefined);
}

/** `text/plain; charset=ISO-8859-1` → `iso-8859-1`; undefined when no charset is named. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/** The media type alone, lowercase: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Types whose bytes are text, so a charset parameter applies to them. */
export function isTextual(contentType: string): boolean {
  const type = mediaType(contentType);
  return (
    type.startsWith('text/') ||
    /\+(json|xml)$/.test(type) ||
    ['application/json', 'application/xml', 'application/javascript', 'application/yaml', 'application/toml', 'application/x-ndjson', 'application/jsonl', 'image/svg+xml'].includes(type)
  );
}

/** Adds `charset=utf-8` to a textual type that names no charset, since text is written as UTF-8. */
export function withUtf8(contentType: string): string {
  return isTextual(contentType) && charsetOf(contentType) === undefined ? `${contentType}; charset=utf-8` : contentType;
}
