import { invalidInput, type ConnectorError } from './errors.js';
import { MAX_KEY_BYTES } from './limits.js';
import { fieldName } from './validate.js';

/**
 * Keys are relative to the connection's base path, and can never escape it.
 * S3 keys are plain strings, but `.` and `..` segments are normalised away by some proxies and
 * S3-compatible servers, so they are refused rather than trusted to stay literal.
 */
export interface KeyScope {
  /** The normalised base path: `""` or a prefix ending in `/`. */
  readonly base: string;
  /** The full S3 key for a key the user gave; `field` is the JSON Pointer named in errors. */
  resolve(key: string, field?: string): string;
  /** A prefix for listing: may be empty, may end anywhere (not only at `/`). */
  resolvePrefix(prefix: string | undefined, field?: string): string;
  /** The user-facing key for a full S3 key. */
  relative(fullKey: string): string;
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function segmentProblem(value: string): string | undefined {
  if (CONTROL_CHARS.test(value)) return 'contains a control character';
  if (value.includes('\\')) return 'contains a backslash';
  const segments = value.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'contains a "." or ".." segment';
  return undefined;
}

/** A key as messages quote it: JSON-escaped, long ones shortened. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

/** Normalise a connection's base path: no leading slash, one trailing slash. */
export function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  const problem = segmentProblem(trimmed) ?? (trimmed.includes('//') ? 'contains an empty segment ("//")' : undefined);
  if (problem) {
    throw invalidInput('/basePath', `Expected \`basePath\` to be a key prefix such as "images/" but received ${quoted(basePath ?? '')}: it ${problem}.`);
  }
  return `${trimmed}/`;
}

export function keyScope(basePath: string | undefined): KeyScope {
  const base = normaliseBasePath(basePath);

  const check = (value: string, field: string, what: string): ConnectorError | undefined => {
    // Named only when there is an error to name it in: this runs on every key of every call.
    const name = (): string => fieldName(field) || what;
    if (value.startsWith('/')) {
      const relative = value.replace(/^\/+/, '');
      return invalidInput(field, `Expected \`${name()}\` to be relative${relative ? `, like ${quoted(relative)},` : ''} but received ${quoted(value)}: drop the leading "/".`);
    }
    const problem = segmentProblem(value);
    if (problem) return invalidInput(field, `Expected \`${name()}\` to stay inside ${base ? `the base path "${base}"` : 'the bucket'} but received ${quoted(value)}: it ${problem}.`);
    const bytes = Buffer.byteLength(base + value, 'utf8');
    if (bytes > MAX_KEY_BYTES) {
      return invalidInput(field, `Expected \`${name()}\` to be at most ${MAX_KEY_BYTES - Buffer.byteLength(base)} bytes${base ? ' (with the base path, S3 allows 1024)' : ''} but received ${bytes - Buffer.byteLength(base)} bytes.`);
    }
    return undefined;
  };

  return {
    base,
    resolve(key, field = '/key') {
      if (key.length === 0) throw invalidInput(field, `Expected \`${fieldName(field)}\` to be a non-empty key such as "photos/dog.jpg" but received "".`);
      const error = check(key, field, 'key');
      if (error) throw error;
      return base + key;
    },
    resolvePrefix(prefix, field = '/prefix') {
      if (!prefix) return base;
      const error = check(prefix, field, 'prefix');
      if (error) throw error;
      return base + prefix;
    },
    relative(fullKey) {
      return base && fullKey.startsWith(base) ? fullKey.slice(base.length) : fullKey;
    },
  };
}
