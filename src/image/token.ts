/**
 * resizeMany's continuation token: where the last run stopped, as the last source key it looked at.
 * ListObjectsV2's StartAfter resumes there; S3's own token would only resume at a page boundary,
 * while `limit` can cut a run mid-page. It is bound to the run's prefix and `endBefore`, so a
 * resumed run stays inside the key range it was given.
 */
import { invalidInput } from '../errors.js';

interface TokenBody {
  v: 1;
  /** The run's prefix (relative to the base path), so a token is not used with another. */
  prefix: string;
  /** The last source key looked at, relative to the base path. */
  after: string;
  /** The run's `endBefore`, when it had one. */
  endBefore?: string;
}

export function encodeToken(prefix: string, after: string, endBefore?: string): string {
  const body: TokenBody = { v: 1, prefix, after, ...(endBefore === undefined ? {} : { endBefore }) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The key to start after; InvalidInput when the token is damaged or from another prefix or range. */
export function decodeToken(token: string, prefix: string, endBefore?: string, field = '/continuationToken'): string {
  let body: Partial<TokenBody> | undefined;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    body = undefined;
  }
  if (body?.v !== 1 || typeof body.after !== 'string' || typeof body.prefix !== 'string') {
    throw invalidInput(field, 'Expected `continuationToken` to be the nextContinuationToken of an earlier resizeMany run but received something else: pass it unchanged, or leave it empty to start from the top.');
  }
  if (body.prefix !== prefix || !body.after.startsWith(prefix)) {
    throw invalidInput(field, `Expected a \`continuationToken\` from a run with prefix ${JSON.stringify(prefix)} but received one from prefix ${JSON.stringify(body.prefix)}: use the same prefix, or leave the token empty.`);
  }
  if (body.endBefore !== endBefore) {
    const range = (value: string | undefined) => (value === undefined ? 'no `endBefore`' : `\`endBefore\` ${JSON.stringify(value)}`);
    throw invalidInput(field, `Expected a \`continuationToken\` from a run with ${range(endBefore)} but received one from a run with ${range(body.endBefore)}: resume with the same key range, or leave the token empty.`);
  }
  return body.after;
}
