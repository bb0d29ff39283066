/**
 * Transfers that are verified, or fail. A download is counted against the length the service
 * announced, and its content checked against whatever the service gives to check it with: our
 * own SHA-256 in the object's metadata, rclone's MD5 in metadata, or the ETag of a single-part
 * object, which S3 computes as the MD5 of the content. A body cut short or corrupted becomes an
 * error before its end reaches the reader, never a success.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { ConnectorError } from './errors.js';

/** Where `put` records the SHA-256 of what it wrote (hex), so any later download can be checked whole. */
export const SHA256_METADATA = 'content-sha256';
/** rclone's record of the MD5 (base64) of what it uploaded in parts: read, so its uploads are checked too. */
export const RCLONE_MD5_METADATA = 'md5chksum';

export interface Digest {
  algorithm: 'md5' | 'sha256';
  /** Hex. */
  expected: string;
  /** What it was read from, in words: "its ETag (the MD5 of a single-part object)". */
  source: string;
}

export interface BodyCheck {
  /** The length announced (Content-Length); undefined when the answer had none. */
  expectedBytes?: number | undefined;
  digest?: Digest | undefined;
  /** When the answer gave no length: the size on record, asked once the body has ended. */
  sizeOnRecord?: (() => Promise<number>) | undefined;
}

/** S3's ETag for an object written in one request: the MD5 of its bytes, in hex. */
const MD5_ETAG = /^"?([0-9a-f]{32})"?$/;
/** Encryption whose ETag is not the MD5 of the content. https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html */
const ETAG_NOT_MD5: ReadonlySet<string> = new Set(['aws:kms', 'aws:kms:dsse']);

/** The content's digest the answer gives, if any; a range or a partial answer has none of its own. */
export function digestOf(answer: Pick<GetObjectCommandOutput, 'ETag' | 'Metadata' | 'ServerSideEncryption' | 'SSECustomerAlgorithm' | 'ContentRange'>): Digest | undefined {
  if (answer.ContentRange !== undefined) return undefined;
  const metadata = answer.Metadata ?? {};
  const sha256 = metadata[SHA256_METADATA];
  if (sha256 !== undefined && /^[0-9a-f]{64}$/i.test(sha256)) {
    return { algorithm: 'sha256', expected: sha256.toLowerCase(), source: `its SHA-256 recorded in metadata (x-amz-meta-${SHA256_METADATA})` };
  }
  const rclone = metadata[RCLONE_MD5_METADATA];
  if (rclone !== undefined && /^[A-Za-z0-9+/]{22}==$/.test(rclone)) {
    return { algorithm: 'md5', expected: Buffer.from(rclone, 'base64').toString('hex'), source: `its MD5 recorded in metadata by rclone (x-amz-meta-${RCLONE_MD5_METADATA})` };
  }
  const etag = MD5_ETAG.exec(answer.ETag ?? '');
  const encrypted = (answer.ServerSideEncryption !== undefined && ETAG_NOT_MD5.has(answer.ServerSideEncryption)) || answer.SSECustomerAlgorithm !== undefined;
  if (etag && !encrypted) return { algorithm: 'md5', expected: etag[1]!, source: 'its ETag (the MD5 of an object written in one request)' };
  return undefined;
}

export type BodyProblem =
  /** `expectedBytes` unknown when the answer gave no length; `errorCode` when the connection failed (ECONNRESET). */
  | { reason: 'Truncated'; expectedBytes: number | undefined; receivedBytes: number; errorCode?: string | undefined; cause?: unknown }
  | { reason: 'TooLong'; expectedBytes: number; receivedBytes: number }
  | { reason: 'ChecksumMismatch'; digest: Digest; received: string };

/**
 * A pass-through that counts and hashes the body, and fails it (with `fail`'s error) instead of
 * ending it when the length or the digest is wrong: whoever reads it never sees a clean end.
 */
export function checkedBody(check: BodyCheck, fail: (problem: BodyProblem) => ConnectorError): Transform & { readonly bytes: number } {
  let bytes = 0;
  const hash: Hash | undefined = check.digest ? createHash(check.digest.algorithm) : undefined;
  const { expectedBytes } = check;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      bytes += chunk.length;
      if (expectedBytes !== undefined && bytes > expectedBytes) return done(fail({ reason: 'TooLong', expectedBytes, receivedBytes: bytes }));
      hash?.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (expectedBytes !== undefined && bytes !== expectedBytes) return done(fail({ reason: 'Truncated', expectedBytes, receivedBytes: bytes }));
      if (check.digest && hash) {
        const received = hash.digest('hex');
        if (received !== check.digest.expected) return done(fail({ reason: 'ChecksumMismatch', digest: check.digest, received }));
      }
      if (expectedBytes === undefined && check.sizeOnRecord) {
        check.sizeOnRecord().then(
          (size) => done(size === bytes ? null : fail({ reason: 'Truncated', expectedBytes: size, receivedBytes: bytes })),
          (error: Error) => done(error),
        );
        return;
      }
      done();
    },
  });
  return Object.defineProperty(stream, 'bytes', { get: () => bytes }) as Transform & { readonly bytes: number };
}

/** The error a person reads when a download did not arrive whole. Retryable: the next try usually does. */
export function bodyProblemError(key: string, problem: BodyProblem): ConnectorError {
  const nothing = 'so nothing was returned. Run the step again';
  if (problem.reason === 'ChecksumMismatch') {
    const { digest, received } = problem;
    return new ConnectorError(
      'Network',
      `The content of "${key}" that arrived does not match ${digest.source}: expected ${digest.algorithm.toUpperCase()} ${digest.expected} but received ${received}. It was cut short or corrupted on its way, ${nothing}; if it keeps happening with this service, its ETags may not be MD5 digests of the content: set \`verify\` to false.`,
      { details: { reason: 'ChecksumMismatch', algorithm: digest.algorithm, expected: digest.expected, received } },
    );
  }
  if (problem.reason === 'TooLong') {
    const { expectedBytes, receivedBytes } = problem;
    return new ConnectorError('Network', `The download of "${key}" ran past its announced length: ${receivedBytes} bytes arrived where ${expectedBytes} were announced, ${nothing}.`, {
      details: { reason: problem.reason, expectedBytes, receivedBytes },
    });
  }
  const { expectedBytes, receivedBytes, errorCode, cause } = problem;
  const arrived = expectedBytes === undefined ? ` after ${receivedBytes} bytes` : `: ${receivedBytes} of ${expectedBytes} bytes arrived`;
  const how = errorCode === undefined ? 'was cut short' : `was cut off (${errorCode})`;
  return new ConnectorError('Network', `The download of "${key}" ${how}${arrived}, ${nothing}.`, {
    details: { reason: 'Truncated', ...(expectedBytes === undefined ? {} : { expectedBytes }), receivedBytes, ...(errorCode ? { errorCode } : {}) },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The SHA-256 (hex) of bytes in memory. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 (hex) of a stream, read to its end. */
export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
}
