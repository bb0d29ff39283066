import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { HeadOutput } from './generated/actions/head.output.js';
import { decodeMetadata } from './metadata.js';

/** The fields GetObject and HeadObject answers share. */
type ObjectHeaders = Pick<
  HeadObjectCommandOutput,
  | 'ContentLength'
  | 'ContentType'
  | 'ETag'
  | 'LastModified'
  | 'Metadata'
  | 'VersionId'
  | 'StorageClass'
  | 'CacheControl'
  | 'ContentDisposition'
  | 'ContentEncoding'
>;

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** S3 quotes ETags; workflows compare them as plain strings. */
export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** The quoted form HTTP conditions (If-Match, If-None-Match) compare; `*` stays as it is. */
export function quoteEtag(etag: string): string {
  return etag === '*' || /^(W\/)?".*"$/.test(etag) ? etag : `"${etag}"`;
}

/** One description of an object, shared by head, get and anything else that reads headers. */
export function describeObject(key: string, headers: ObjectHeaders): HeadOutput {
  return {
    key,
    size: headers.ContentLength ?? 0,
    contentType: headers.ContentType ?? DEFAULT_CONTENT_TYPE,
    etag: unquoteEtag(headers.ETag),
    lastModified: (headers.LastModified ?? new Date(0)).toISOString(),
    // Non-ASCII values come back RFC 2047 encoded: the user sees what they wrote.
    metadata: decodeMetadata(headers.Metadata),
    ...(headers.VersionId ? { versionId: headers.VersionId } : {}),
    // S3 omits the header for STANDARD.
    storageClass: headers.StorageClass ?? 'STANDARD',
    ...(headers.CacheControl ? { cacheControl: headers.CacheControl } : {}),
    ...(headers.ContentDisposition ? { contentDisposition: headers.ContentDisposition } : {}),
    ...(headers.ContentEncoding ? { contentEncoding: headers.ContentEncoding } : {}),
  };
}
