import { CopyObjectCommand, DeleteObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type HeadObjectCommandOutput, type Tag } from '@aws-sdk/client-s3';
import inputSchema from '../../schemas/actions/copy.input.json';
import { defineAction, type RunContext } from '../action.js';
import { ConnectorError, invalidInput, isConnectorError } from '../errors.js';
import type { CopyInput } from '../generated/actions/copy.input.js';
import type { CopyOutput } from '../generated/actions/copy.output.js';
import { MAX_SINGLE_COPY_BYTES } from '../limits.js';
import { metadataForUpload } from '../metadata.js';
import { copySource, multipartCopy, type MultipartCopyResult } from '../multipart-copy.js';
import { DEFAULT_CONTENT_TYPE, unquoteEtag } from '../object-info.js';
import { encodeTagging } from '../tags.js';
import { validator } from '../validate.js';

/** The schema's defaults are applied by validation. */
type Input = CopyInput & Required<Pick<CopyInput, 'move' | 'ifNotExists'>>;

/** A copy needs to read the source and write the destination; the SDK's one error cannot say which failed. */
function copyDenied(ctx: RunContext, error: ConnectorError, sourceKey: string, destinationKey: string): ConnectorError {
  const resource = (key: string) => String(ctx.fail(error.cause, { key }).details?.resource);
  const [source, destination] = [resource(sourceKey), resource(destinationKey)];
  return new ConnectorError(
    'AccessDenied',
    `Access denied copying "${sourceKey}" to "${destinationKey}": a copy needs s3:GetObject on ${source} and s3:PutObject on ${destination} (and s3:GetObjectTagging and s3:PutObjectTagging when the object has tags). Add them to the IAM policy of the user or role.`,
    { cause: error.cause, details: { ...error.details, iamAction: ['s3:GetObject', 's3:PutObject'], resource: [source, destination] } },
  );
}

/** KMS encryption, which names a key of its own; SSE-S3 (AES256) is left to the bucket's default. */
const KMS_ENCRYPTION: ReadonlySet<string> = new Set(['aws:kms', 'aws:kms:dsse']);

/**
 * S3 writes a copy with the bucket's default encryption unless the request names one, so an object
 * under its own KMS key would silently lose it: that key goes with the copy. SSE-S3 is not pinned,
 * so a bucket whose default later became KMS applies it to new copies.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/copy-object.html#copy-object-encryption
 */
function encryptionOf(head: HeadObjectCommandOutput) {
  if (!head.ServerSideEncryption || !KMS_ENCRYPTION.has(head.ServerSideEncryption)) return {};
  return {
    ServerSideEncryption: head.ServerSideEncryption,
    ...(head.SSEKMSKeyId ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}),
    ...(head.BucketKeyEnabled === undefined ? {} : { BucketKeyEnabled: head.BucketKeyEnabled }),
  };
}

/**
 * CopyObject copies tags by itself; a multipart copy writes only those it is sent. The tags are
 * read from the version inspected. A service without object tagging (Cloudflare R2 answers 501)
 * has none to lose.
 */
async function tagsOf(ctx: RunContext, source: string, sourceKey: string, versionId: string | undefined): Promise<{ Tagging?: string }> {
  let tagSet: Tag[];
  try {
    ({ TagSet: tagSet = [] } = await ctx.send(
      new GetObjectTaggingCommand({ Bucket: ctx.bucket, Key: source, ...(versionId ? { VersionId: versionId } : {}) }),
      { key: sourceKey },
    ));
  } catch (error) {
    if (!isConnectorError(error) || (error.details?.awsCode !== 'NotImplemented' && error.details?.httpStatus !== 501)) throw error;
    ctx.logger?.warn('The service does not implement object tagging; the copy is written without tags.', { key: sourceKey });
    return {};
  }
  return tagSet.length === 0 ? {} : { Tagging: encodeTagging(tagSet.map((tag) => [tag.Key ?? '', tag.Value ?? ''] as const)) };
}

/** The headers a copy is written with when they are not copied by S3: the source's, with the new type and metadata. */
function writtenHeaders(head: HeadObjectCommandOutput, contentType: string, metadata: Record<string, string> | undefined) {
  return {
    ContentType: contentType,
    Metadata: metadata ?? head.Metadata ?? {},
    CacheControl: head.CacheControl,
    ContentDisposition: head.ContentDisposition,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
  };
}

export const copy = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<CopyOutput> {
    const { sourceKey, destinationKey } = input;
    const source = ctx.keys.resolve(sourceKey, '/sourceKey');
    const destination = ctx.keys.resolve(destinationKey, '/destinationKey');
    // The schema makes every value a string; the generated index signature also admits undefined.
    const metadata = metadataForUpload(input.metadata as Record<string, string> | undefined);
    const replace = metadata !== undefined || input.contentType !== undefined;
    if (source === destination && input.move) {
      throw invalidInput('/destinationKey', `Expected \`destinationKey\` to differ from \`sourceKey\` when moving, but both are "${sourceKey}": moving an object onto itself would delete it.`);
    }
    if (source === destination && !replace) {
      throw invalidInput('/destinationKey', `Expected \`destinationKey\` to differ from \`sourceKey\`, or a new \`contentType\` or \`metadata\`, but both keys are "${sourceKey}" and nothing changes.`);
    }

    // The source's size decides how it is copied, and its headers are kept where S3 would drop
    // them (REPLACE, and multipart copies, write only the headers sent).
    const head = await ctx.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: source }), { key: sourceKey });
    const size = head.ContentLength ?? 0;
    const contentType = input.contentType ?? head.ContentType ?? DEFAULT_CONTENT_TYPE;
    const conflictMessage = `"${destinationKey}" already exists, and \`ifNotExists\` refused to overwrite it. Choose another destinationKey, or turn ifNotExists off to replace it.`;
    // S3 would otherwise write the copy as STANDARD whatever the source's class, and without the
    // source's own KMS key.
    const kept = { ...(head.StorageClass ? { StorageClass: head.StorageClass } : {}), ...encryptionOf(head) };

    const inParts = size > MAX_SINGLE_COPY_BYTES;
    // Before anything is written: a missing s3:GetObjectTagging is named on its own, and leaves no upload.
    const tags = inParts ? await tagsOf(ctx, source, sourceKey, head.VersionId) : {};

    const copied: MultipartCopyResult & { lastModified?: Date | undefined } = await (
      inParts
        ? multipartCopy(ctx, {
            sourceKey,
            destinationKey,
            source,
            destination,
            size,
            etag: head.ETag,
            headers: { ...writtenHeaders(head, contentType, metadata), ...kept, ...tags },
            ifNotExists: input.ifNotExists,
            conflictMessage,
          })
        : ctx
            .send(
              new CopyObjectCommand({
                Bucket: ctx.bucket,
                Key: destination,
                CopySource: copySource(ctx.bucket, source),
                ...kept,
                ...(replace ? { MetadataDirective: 'REPLACE' as const, ...writtenHeaders(head, contentType, metadata) } : {}),
                ...(input.ifNotExists ? { IfNoneMatch: '*' } : {}),
              }),
              { key: destinationKey, iamAction: 's3:PutObject', conflictMessage },
            )
            .then((answer) => ({ etag: answer.CopyObjectResult?.ETag, versionId: answer.VersionId, lastModified: answer.CopyObjectResult?.LastModified }))
    ).catch((error: unknown) => {
      throw error instanceof ConnectorError && error.code === 'AccessDenied' ? copyDenied(ctx, error, sourceKey, destinationKey) : error;
    });

    if (input.move) {
      try {
        await ctx.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: source }), { key: sourceKey });
      } catch (error) {
        const failed = ctx.fail(error, { key: sourceKey });
        throw new ConnectorError(failed.code, `Copied "${sourceKey}" to "${destinationKey}", but could not delete "${sourceKey}" to complete the move: ${failed.message}`, {
          retryable: failed.retryable,
          cause: failed.cause,
          details: { ...failed.details, copied: true },
        });
      }
    }

    return {
      key: destinationKey,
      sourceKey,
      etag: unquoteEtag(copied.etag),
      size,
      contentType,
      // A multipart copy's answer has no date; the copy was written just now.
      lastModified: (copied.lastModified ?? new Date()).toISOString(),
      moved: input.move,
      ...(copied.versionId ? { versionId: copied.versionId } : {}),
    };
  },
});
