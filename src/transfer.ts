import { Readable, Transform } from 'node:stream';
import { GetObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { RunContext } from './action.js';
import type { HeadOutput } from './generated/actions/head.output.js';
import { MAX_PARTS } from './limits.js';
import { describeObject } from './object-info.js';

/**
 * Multipart settings: 8 MiB parts (S3's minimum is 5 MiB, see limits.ts) with 4 in flight, so an
 * upload holds at most about 32 MiB whatever the object's size. 8 MiB parts reach 78 GiB within
 * S3's 10,000-part limit; larger objects of known size get larger parts (partBytesFor).
 */
export const PART_BYTES = 8 * 1024 * 1024;
export const QUEUE_SIZE = 4;

/** What an upload writes besides the body; S3's own parameter names. */
export type UploadOptions = Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'>;

export interface UploadResult {
  etag: string;
  size: number;
  versionId?: string;
}

/** The part size that fits `expectedBytes` into S3's part limit. */
export function partBytesFor(expectedBytes: number | undefined): number {
  return Math.max(PART_BYTES, Math.ceil((expectedBytes ?? 0) / MAX_PARTS));
}

/** Counts bytes as they pass, so a streamed upload knows its size without buffering. */
function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * Streams `body` to `key` (the user's key; resolved under the base path here). Small bodies go up in
 * one PUT, large ones as a multipart upload; a failed or cancelled multipart upload is aborted, so
 * no orphaned parts are left behind.
 */
export async function upload(
  ctx: RunContext,
  key: string,
  body: Readable | Uint8Array,
  options: UploadOptions,
  about: { field?: string; conflictMessage?: string; expectedBytes?: number } = {},
): Promise<UploadResult> {
  const fullKey = ctx.keys.resolve(key, about.field);
  const counter = body instanceof Uint8Array ? undefined : byteCounter();
  const source = counter ? (body as Readable).pipe(counter) : body;
  if (counter) (body as Readable).on('error', (error) => counter.destroy(error));
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const transfer = new Upload({
    client: ctx.s3,
    params: { ...options, Bucket: ctx.bucket, Key: fullKey, Body: source },
    partSize: partBytesFor(about.expectedBytes),
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
    abortController: controller,
  });
  try {
    if (ctx.signal?.aborted) controller.abort();
    const done = await transfer.done();
    return {
      etag: (done.ETag ?? '').replace(/^"|"$/g, ''),
      size: counter ? counter.bytes : (body as Uint8Array).byteLength,
      ...(done.VersionId ? { versionId: done.VersionId } : {}),
    };
  } catch (error) {
    throw ctx.fail(error, { key, iamAction: 's3:PutObject', conflictMessage: about.conflictMessage });
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

export interface ReadOptions {
  versionId?: string | undefined;
  range?: string | undefined;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  field?: string;
}

export interface OpenedObject {
  info: HeadOutput;
  body: Readable;
}

/** Opens `key` for streaming; the body is never buffered here. */
export async function download(ctx: RunContext, key: string, options: ReadOptions = {}): Promise<OpenedObject> {
  const answer = await ctx.send(
    new GetObjectCommand({
      Bucket: ctx.bucket,
      Key: ctx.keys.resolve(key, options.field),
      ...(options.versionId ? { VersionId: options.versionId } : {}),
      ...(options.range ? { Range: options.range } : {}),
      ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
    }),
    { key, ...(options.versionId ? { iamAction: 's3:GetObjectVersion' } : {}) },
  );
  const body = answer.Body instanceof Readable ? answer.Body : Readable.from([]);
  return { info: describeObject(key, answer), body };
}
