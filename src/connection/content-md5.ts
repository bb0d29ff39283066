/**
 * Content-MD5 on every upload sent from memory, where the request carries no other checksum: S3
 * and every S3-compatible service verify it and store nothing on a mismatch (BadDigest). Custom
 * endpoints run with checksums WHEN_REQUIRED, so the SDK sends none of its own there; on AWS
 * (WHEN_SUPPORTED) the SDK's CRC32 header already covers the body and this adds nothing. A
 * streamed body cannot be hashed before it is sent, and is left alone.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax
 */
import { createHash } from 'node:crypto';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { BuildMiddleware, HttpRequest, Pluggable } from '@smithy/types';

const UPLOADS: ReadonlySet<string | undefined> = new Set(['PutObjectCommand', 'UploadPartCommand']);

const contentMd5: BuildMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => async (args) => {
  const request = args.request as HttpRequest | undefined;
  if (request && UPLOADS.has(context.commandName) && request.body instanceof Uint8Array) {
    const names = Object.keys(request.headers).map((name) => name.toLowerCase());
    if (!names.some((name) => name === 'content-md5' || name.startsWith('x-amz-checksum-'))) {
      request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
    }
  }
  return next(args);
};

/** Runs after the SDK's own checksum middleware (same step, lower priority), before signing. */
export const contentMd5Plugin: Pluggable<ServiceInputTypes, ServiceOutputTypes> = {
  applyToStack(stack) {
    stack.add(contentMd5, { step: 'build', priority: 'low', name: 'connectorContentMd5' });
  },
};
