import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
} from '@aws-sdk/client-s3';
import type { RunContext } from './action.js';
import { failedMultipart } from './multipart-abort.js';
import { partBytesFor } from './transfer.js';

/**
 * Parts of a multipart copy: S3 copies them server-side, so large parts cost no memory here and
 * mean fewer requests. 512 MiB parts reach 4.9 TiB within the 10,000-part limit; larger objects
 * get larger parts (partBytesFor).
 */
export const COPY_PART_BYTES = 512 * 1024 * 1024;
/** Part copies in flight at once. */
export const COPY_QUEUE_SIZE = 4;

export interface MultipartCopyRequest {
  /** The keys as the user gave them, for messages. */
  sourceKey: string;
  destinationKey: string;
  /** Full keys, base path included. */
  source: string;
  destination: string;
  size: number;
  /** The source's ETag: every part is copied from this version, or the copy fails. */
  etag: string | undefined;
  /** What the copy is written with; a multipart copy copies no header or metadata by itself. */
  headers: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>;
  ifNotExists: boolean;
  conflictMessage: string;
  /** The smallest part size (COPY_PART_BYTES); larger objects get larger parts. */
  partBytes?: number;
}

export interface MultipartCopyResult {
  etag: string | undefined;
  versionId: string | undefined;
}

/** x-amz-copy-source is `bucket/key`, URL-encoded: S3 decodes it, and a raw "?" would start a version ID. */
export function copySource(bucket: string, fullKey: string): string {
  return `${bucket}/${encodeURIComponent(fullKey).replace(/%2F/g, '/')}`;
}

/**
 * Copies an object too large for one CopyObject (over 5 GiB) with UploadPartCopy, a few parts at a
 * time. A failed or cancelled copy aborts its multipart upload (with retries), so no orphaned parts are left.
 */
export async function multipartCopy(ctx: RunContext, request: MultipartCopyRequest): Promise<MultipartCopyResult> {
  const { source, destination, destinationKey, size } = request;
  const about = { key: destinationKey, iamAction: 's3:PutObject' };
  const created = await ctx.send(new CreateMultipartUploadCommand({ ...request.headers, Bucket: ctx.bucket, Key: destination }), about);
  const uploadId = created.UploadId;
  try {
    const partBytes = partBytesFor(size, request.partBytes ?? COPY_PART_BYTES);
    const count = Math.max(1, Math.ceil(size / partBytes));
    const parts: CompletedPart[] = new Array<CompletedPart>(count);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < count && !failed) {
        const index = next++;
        const start = index * partBytes;
        const end = Math.min(size, start + partBytes) - 1;
        try {
          const answer = await ctx.send(
            new UploadPartCopyCommand({
              Bucket: ctx.bucket,
              Key: destination,
              UploadId: uploadId,
              PartNumber: index + 1,
              CopySource: copySource(ctx.bucket, source),
              CopySourceRange: `bytes=${start}-${end}`,
              ...(request.etag ? { CopySourceIfMatch: request.etag } : {}),
            }),
            { key: destinationKey, iamAction: 's3:PutObject', conflictMessage: `"${request.sourceKey}" changed while it was being copied. Run the copy again.` },
          );
          parts[index] = { PartNumber: index + 1, ETag: answer.CopyPartResult?.ETag };
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    // Every part copy settles before the upload is aborted: a part finishing after the abort would be kept.
    const settled = await Promise.allSettled(Array.from({ length: Math.min(COPY_QUEUE_SIZE, count) }, worker));
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    ctx.logger?.debug('Multipart copy parts done', { key: destinationKey, parts: count });
    const done = await ctx.send(
      new CompleteMultipartUploadCommand({
        Bucket: ctx.bucket,
        Key: destination,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(request.ifNotExists ? { IfNoneMatch: '*' } : {}),
      }),
      { ...about, conflictMessage: request.conflictMessage },
    );
    return { etag: done.ETag, versionId: done.VersionId };
  } catch (error) {
    throw await failedMultipart(ctx, ctx.fail(error, about), { key: destinationKey, fullKey: destination, uploadId });
  }
}
