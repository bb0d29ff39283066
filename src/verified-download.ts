/**
 * A GetObject answer's body as the connector hands it on: never shorter than the object, and with
 * `verify`, checked against a digest where the answer gives one (integrity.ts). An announced length
 * is enforced by Node's HTTP parser; an answer without any length (a body that ends when the
 * connection closes, which some proxies and S3-compatible services send) is counted, and confirmed
 * once read against the object's size from a HEAD of the same version: otherwise a connection cut
 * mid-body would look exactly like the end.
 */
import { pipeline, Readable } from 'node:stream';
import { HeadObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { RunContext } from './action.js';
import { ConnectorError } from './errors.js';
import { bodyProblemError, checkedBody, digestOf } from './integrity.js';

export interface VerifyOptions {
  /** Check the content's digest too (the length is always checked): about 0.6x (MD5) or 0.75x (SHA-256) of raw throughput on large downloads here. */
  verify: boolean;
  versionId?: string | undefined;
}

/** `bytes 0-99/300` → 100. */
function rangeLength(contentRange: string | undefined): number | undefined {
  const match = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '');
  return match ? Number(match[2]) - Number(match[1]) + 1 : undefined;
}

/** The object's size now, from a HEAD of the version that was read; a changed object is a failure too. */
async function confirmedSize(ctx: RunContext, key: string, fullKey: string, answer: GetObjectCommandOutput, options: VerifyOptions): Promise<number> {
  const versionId = options.versionId ?? answer.VersionId;
  try {
    const head = await ctx.send(
      new HeadObjectCommand({
        Bucket: ctx.bucket,
        Key: fullKey,
        ...(versionId ? { VersionId: versionId } : {}),
        ...(answer.ETag ? { IfMatch: answer.ETag } : {}),
      }),
      { key, conflictMessage: `"${key}" changed while it was being read, so nothing was returned. Run the step again.` },
    );
    return head.ContentLength ?? -1;
  } catch (error) {
    // A download that cannot be confirmed is not handed on; the next try usually can be.
    if (error instanceof ConnectorError && error.code === 'Conflict') throw new ConnectorError('Network', error.message, { cause: error, details: { reason: 'ChangedWhileReading' } });
    throw error;
  }
}

/** The answer's body, checked as it streams; it fails instead of ending when it did not arrive whole. */
export function verifiedBody(ctx: RunContext, key: string, fullKey: string, answer: GetObjectCommandOutput, options: VerifyOptions): Readable {
  const source = answer.Body instanceof Readable ? answer.Body : Readable.from([]);
  const digest = options.verify ? digestOf(answer) : undefined;
  // Node's HTTP parser already fails a body that ends before its Content-Length: with nothing
  // else to check, the body goes on as it came, at no cost.
  if (digest === undefined && answer.ContentLength !== undefined) return source;
  const expectedBytes = answer.ContentLength ?? rangeLength(answer.ContentRange);
  // Nothing in the answer says how long the body is: ask before letting it end.
  const sizeOnRecord =
    expectedBytes === undefined && digest === undefined
      ? () => confirmedSize(ctx, key, fullKey, answer, options)
      : undefined;
  const check = checkedBody({ expectedBytes, digest, sizeOnRecord }, (problem) => bodyProblemError(key, problem));
  // A connection that fails mid-body is a download cut short, said so (timeouts and cancels keep their own errors).
  source.once('error', (error: NodeJS.ErrnoException) => {
    if (typeof error.code !== 'string' || error.name === 'TimeoutError' || error.name === 'AbortError') return;
    check.destroy(bodyProblemError(key, { reason: 'Truncated', expectedBytes, receivedBytes: check.bytes, errorCode: error.code, cause: error }));
  });
  // pipeline, not pipe: a failing source fails the check, and destroying the check (cancel) closes the source.
  return pipeline(source, check, () => {});
}
