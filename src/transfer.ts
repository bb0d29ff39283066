import { Readable, Transform, pipeline } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import type { About, RunContext } from './action.js';
import { ConnectorError } from './errors.js';
import type { HeadOutput } from './generated/actions/head.output.js';
import { MAX_PARTS } from './limits.js';
import { failedMultipart } from './multipart-abort.js';
import { describeObject, unquoteEtag } from './object-info.js';
import { uploadClient } from './upload-client.js';
import { verifiedBody } from './verified-download.js';

/**
 * Multipart settings: 8 MiB parts (S3's minimum is 5 MiB, see limits.ts) with 4 in flight, so an
 * upload holds at most about 40 MiB whatever the object's size. 8 MiB parts reach 78 GiB within
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

/** The part size that fits `expectedBytes` into S3's part limit, and at least `minimum`. */
export function partBytesFor(expectedBytes: number | undefined, minimum = PART_BYTES): number {
  return Math.max(minimum, Math.ceil((expectedBytes ?? 0) / MAX_PARTS));
}

/**
 * Counts bytes as they pass, so a stream knows its size without buffering; `onProgress` hears of
 * every `every` bytes and of the end, so a host is not sent an event per 64 KiB chunk.
 */
export function byteCounter(onProgress?: (bytes: number) => void, every = PART_BYTES): Transform & { bytes: number } {
  let reported = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      if (onProgress && counter.bytes - reported >= every) {
        reported = counter.bytes;
        onProgress(reported);
      }
      done(null, chunk);
    },
    flush(done) {
      if (onProgress && counter.bytes !== reported) onProgress(counter.bytes);
      done();
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

export interface UploadAbout {
  /** JSON Pointer of the key's input field, for key errors (default `/key`). */
  field?: string;
  conflictMessage?: string;
  /** The body's size when known ahead (e.g. a FileRef's size): picks a part size that fits. */
  expectedBytes?: number;
  /** What the body is read from, for the error when reading it fails, e.g. "the file `file`". */
  source?: string;
}

/**
 * Streams `body` to `key` (the user's key; resolved under the base path here). A body in memory
 * that fits one part goes up in one PUT; anything else through lib-storage, as one PUT or a
 * multipart upload. A failed or cancelled multipart upload is aborted (with retries) before this
 * returns, so no orphaned parts are left behind; an abort that still failed is named in the error.
 */
export async function upload(
  ctx: RunContext,
  key: string,
  body: Readable | Uint8Array,
  options: UploadOptions,
  about: UploadAbout = {},
): Promise<UploadResult> {
  const params = { ...options, Bucket: ctx.bucket, Key: ctx.keys.resolve(key, about.field) };
  const blame: About = { key, iamAction: 's3:PutObject', conflictMessage: about.conflictMessage };
  const partBytes = partBytesFor(about.expectedBytes ?? (body instanceof Uint8Array ? body.byteLength : undefined));

  if (body instanceof Uint8Array && body.byteLength <= partBytes) {
    // What lib-storage would send, without its per-call overhead (endpoint resolution, chunking).
    const done = await ctx.send(new PutObjectCommand({ ...params, Body: body }), blame);
    ctx.progress?.({ done: body.byteLength, total: body.byteLength });
    return { etag: unquoteEtag(done.ETag), size: body.byteLength, ...(done.VersionId ? { versionId: done.VersionId } : {}) };
  }

  // lib-storage only now: most uploads are one PUT, and every cold start would pay for loading it.
  const { Upload } = await import('@aws-sdk/lib-storage');
  const { signal } = ctx;
  let counter: (Transform & { bytes: number }) | undefined;
  let sourceError: unknown;
  if (!(body instanceof Uint8Array)) {
    counter = byteCounter();
    body.once('error', (error: unknown) => {
      sourceError ??= error;
    });
    // pipeline, not pipe: destroying the counter (cancel, failure) also closes the source.
    pipeline(body, counter, () => {});
  }
  // A source that stalls would keep lib-storage waiting for its next part: end it on cancel.
  const stopListening = ctx.abort.onAbort(() => counter?.destroy(signal?.reason instanceof Error ? signal.reason : new Error('The run was cancelled.')));
  const tracked = uploadClient(ctx.s3, ctx.abort);
  const transfer = new Upload({
    client: tracked.client,
    params: { ...params, Body: counter ?? body },
    partSize: partBytes,
    queueSize: QUEUE_SIZE,
    // Aborted here instead, with retries, so a failed abort never replaces the upload's own error.
    leavePartsOnError: true,
  });
  const { progress } = ctx;
  if (progress) {
    transfer.on('httpUploadProgress', (p) => {
      const total = p.total ?? about.expectedBytes;
      progress({ done: p.loaded ?? 0, ...(total === undefined ? {} : { total }) });
    });
  }
  try {
    const done = await transfer.done();
    return {
      etag: unquoteEtag(done.ETag),
      size: counter ? counter.bytes : (body as Uint8Array).byteLength,
      ...(done.VersionId ? { versionId: done.VersionId } : {}),
    };
  } catch (error) {
    const failure = sourceError !== undefined && !signal?.aborted ? sourceFailed(key, about.source, sourceError) : ctx.fail(error, blame);
    throw await failedMultipart(ctx, failure, { key, fullKey: params.Key, uploadId: tracked.uploadId });
  } finally {
    stopListening();
    counter?.destroy();
  }
}

function sourceFailed(key: string, source: string | undefined, cause: unknown): ConnectorError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConnectorError(
    'ServerError',
    `Reading ${source ?? 'the content'} failed before the upload finished (${reason}), so nothing was written to "${key}". Check that the file still exists in the host's file store, then run the step again.`,
    { cause, retryable: false },
  );
}

export interface ReadOptions {
  versionId?: string | undefined;
  /** An HTTP byte range, e.g. `bytes=0-1023`. */
  range?: string | undefined;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  field?: string;
  conflictMessage?: string | undefined;
  /** Check the content against the digest the service gives (default false: it costs CPU); the length is always checked. */
  verify?: boolean | undefined;
}

export interface OpenedObject {
  info: HeadOutput;
  body: Readable;
  /** For a range: S3's Content-Range, e.g. `bytes 0-1023/4096`. */
  contentRange?: string;
}

/**
 * Opens `key` for streaming; the body is never buffered here, stops when the run is cancelled, and
 * fails rather than ends when it did not arrive whole (verified-download.ts).
 */
export async function download(ctx: RunContext, key: string, options: ReadOptions = {}): Promise<OpenedObject> {
  const fullKey = ctx.keys.resolve(key, options.field);
  const answer = await ctx.send(
    new GetObjectCommand({
      Bucket: ctx.bucket,
      Key: fullKey,
      ...(options.versionId ? { VersionId: options.versionId } : {}),
      ...(options.range ? { Range: options.range } : {}),
      ...(options.ifMatch ? { IfMatch: options.ifMatch } : {}),
      ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
    }),
    { key, conflictMessage: options.conflictMessage, ...(options.versionId ? { iamAction: 's3:GetObjectVersion' } : {}) },
  );
  const body = verifiedBody(ctx, key, fullKey, answer, { verify: options.verify ?? false, versionId: options.versionId });
  // The SDK watches the signal until the headers arrive; the body must stop on cancel too.
  const { abort } = ctx;
  const stopListening = abort.onAbort(() => body.destroy(abort.reason instanceof Error ? abort.reason : new Error('The run was cancelled.')));
  body.once('close', stopListening);
  return { info: describeObject(key, answer), body, ...(answer.ContentRange ? { contentRange: answer.ContentRange } : {}) };
}

/**
 * Reads a body into one buffer, refusing it before reading when `expected` is over `limit`, and
 * stopping the download as soon as what arrives is. Events, not `for await`: the async iterator
 * costs more CPU than a small object's whole read.
 */
export function readAll(body: Readable, limit: number, tooLarge: (bytes: number) => ConnectorError, expected?: number): Promise<Buffer> {
  if (expected !== undefined && expected > limit) {
    body.destroy();
    return Promise.reject(tooLarge(expected));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        body.destroy();
        reject(tooLarge(received));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)));
    body.once('error', reject);
    // Catches a body destroyed without an error. Every body closes after `end`: building an Error
    // there anyway (its stack) cost ~3% of a small get's CPU.
    body.once('close', () => {
      if (!body.readableEnded) reject(new Error('The response body closed before it ended.'));
    });
  });
}
