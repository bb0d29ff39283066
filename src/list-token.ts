import { invalidInput } from './errors.js';

/**
 * Where a listing resumes. S3's own continuation tokens point at page boundaries, so a listing cut
 * by `limit` inside a page resumes after the last key (or folder) it returned instead.
 */
export type ResumePoint = { token: string } | { after: string };

/**
 * What a token is bound to: resuming it under another bucket, prefix or delimiter would skip or repeat
 * keys, and under another `endBefore` it would leave its key range.
 */
export interface ListingScope {
  bucket: string;
  /** The full prefix, base path included. */
  prefix: string;
  delimiter: string | undefined;
  /** The full upper bound, base path included. */
  endBefore?: string | undefined;
}

interface Payload {
  v: 1;
  b: string;
  p: string;
  d: string;
  /** Only when the listing has an upper bound, so tokens of unbounded listings keep their shape. */
  e?: string;
  t?: string;
  a?: string;
}

const FIELD = '/continuationToken';

/** An opaque token for `nextContinuationToken`. */
export function encodeResumePoint(scope: ListingScope, point: ResumePoint): string {
  const payload: Payload = {
    v: 1,
    b: scope.bucket,
    p: scope.prefix,
    d: scope.delimiter ?? '',
    ...(scope.endBefore === undefined ? {} : { e: scope.endBefore }),
    ...('token' in point ? { t: point.token } : { a: point.after }),
  };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function parse(token: string): Payload | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const p = value as Partial<Record<keyof Payload, unknown>>;
    const strings = [p.b, p.p, p.d].every((s) => typeof s === 'string') && (p.e === undefined || typeof p.e === 'string');
    const oneOf = (typeof p.t === 'string' && p.t.length > 0) !== (typeof p.a === 'string' && p.a.length > 0);
    return p.v === 1 && strings && oneOf ? (value as Payload) : undefined;
  } catch {
    return undefined;
  }
}

/** The resume point in a token this action returned; InvalidInput for anything else or another listing's token. */
export function decodeResumePoint(token: string, scope: ListingScope): ResumePoint {
  const payload = parse(token);
  if (!payload) {
    throw invalidInput(FIELD, 'Expected `continuationToken` to be the `nextContinuationToken` of a previous list run, unchanged, but received something else. Copy it exactly, or leave it empty to start from the beginning.');
  }
  if (payload.b !== scope.bucket || payload.p !== scope.prefix || payload.d !== (scope.delimiter ?? '') || payload.e !== scope.endBefore) {
    throw invalidInput(FIELD, 'This `continuationToken` belongs to another listing (another bucket, base path, prefix, delimiter or `endBefore`). Resume with the same connection, `prefix`, `delimiter` and `endBefore` as the run that returned it, or leave it empty to start from the beginning.');
  }
  return payload.t !== undefined ? { token: payload.t } : { after: payload.a! };
}
