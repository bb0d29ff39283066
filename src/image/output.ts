/**
 * Writing a rendered image, and telling later whether a written one is still up to date. Each output
 * carries the ETag of its source and a fingerprint of the options that made it, as user metadata;
 * resizeMany compares both, so a rerun skips what is current and redoes what a changed source or
 * changed options made stale.
 */
import { createHash } from 'node:crypto';
import type { RunContext } from '../action.js';
import type { HeadOutput } from '../generated/actions/head.output.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { unquoteEtag } from '../object-info.js';
import { PART_BYTES, upload, type UploadResult } from '../transfer.js';
import type { ImageOptions, Rendered } from './render.js';
import type { RequestedSize } from './size.js';

/** User metadata names (x-amz-meta-*), lowercase as S3 returns them. */
export const SOURCE_ETAG = 'source-etag';
export const OPTIONS_FINGERPRINT = 'resize-options';

/** Bump when the pipeline changes what it writes for the same options, so reruns redo old outputs. */
const PIPELINE_VERSION = 1;

/** A short, stable digest of everything that shapes the written object. */
export function fingerprint(box: RequestedSize, options: ImageOptions, cacheControl: string | undefined): string {
  const { fit, format, quality, position, focalPoint, background, withoutEnlargement, keepIcc } = options;
  const parts = [PIPELINE_VERSION, box.width, box.height, fit, format, quality, position, focalPoint?.x, focalPoint?.y, background, withoutEnlargement, keepIcc, cacheControl];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export interface OutputRecord {
  sourceEtag: string;
  fingerprint: string;
  cacheControl?: string | undefined;
}

/**
 * Writes a rendered image. It is complete before the upload starts, so a failed render never leaves
 * an object. A single PUT (up to one part, 8 MiB) is not cut short by a cancel: it ends within
 * milliseconds, and a PUT cut mid-body leaves a partial object on stores that are not atomic as S3
 * is. Larger images go multipart, which a cancel aborts whole.
 * Progress is the action's to report (images, not bytes).
 */
export async function writeImage(ctx: RunContext, key: string, image: Rendered, record: OutputRecord, field = '/destinationKey'): Promise<UploadResult> {
  const options = {
    ContentType: image.contentType,
    ...(record.cacheControl ? { CacheControl: record.cacheControl } : {}),
    Metadata: { [SOURCE_ETAG]: record.sourceEtag, [OPTIONS_FINGERPRINT]: record.fingerprint },
  };
  if (image.data.length > PART_BYTES) return upload({ ...ctx, progress: undefined }, key, image.data, options, { field });
  const command = new PutObjectCommand({ ...options, Bucket: ctx.bucket, Key: ctx.keys.resolve(key, field), Body: image.data });
  try {
    const done = await ctx.s3.send(command);
    return { etag: unquoteEtag(done.ETag), size: image.data.length, ...(done.VersionId ? { versionId: done.VersionId } : {}) };
  } catch (error) {
    throw ctx.fail(error, { key, iamAction: 's3:PutObject' });
  }
}

/**
 * - current: written by this action from this source version with these options, or (not ours)
 *   newer than the source;
 * - stale: ours, but from another source version or other options: redone;
 * - foreign: an older object this action did not write: replaced only with `force`;
 * - missing.
 */
export type Freshness = 'missing' | 'current' | 'stale' | 'foreign';

export function freshness(existing: HeadOutput | undefined, source: { etag: string; lastModified: string }, expected: string): Freshness {
  if (!existing) return 'missing';
  const madeFrom = existing.metadata[SOURCE_ETAG];
  if (madeFrom !== undefined) return madeFrom === source.etag && existing.metadata[OPTIONS_FINGERPRINT] === expected ? 'current' : 'stale';
  // HEAD's Last-Modified has whole seconds; a listing may have milliseconds.
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  return seconds(existing.lastModified) >= seconds(source.lastModified) ? 'current' : 'foreign';
}
