import { GetObjectCommand, PutObjectCommand, type PutObjectCommandInput, type PutObjectCommandOutput } from '@aws-sdk/client-s3';
import type { BuildMiddleware } from '@smithy/types';
import inputSchema from '../../schemas/actions/presign.input.json';
import { defineAction } from '../action.js';
import { checkEndpointResolves } from '../net/endpoint-guard.js';
import type { PresignInput } from '../generated/actions/presign.input.js';
import type { PresignOutput } from '../generated/actions/presign.output.js';
import { validator } from '../validate.js';

/** The schema's defaults are applied by validation. */
type Input = PresignInput & Required<Pick<PresignInput, 'method' | 'expiresIn'>>;

const BODY_CHECKSUM_HEADER = /^x-amz-(checksum-|sdk-checksum-algorithm$)/i;

/**
 * A URL is signed before its body exists. With the SDK's default checksums (WHEN_SUPPORTED) it
 * would carry the CRC32 of an empty body (x-amz-checksum-crc32=AAAAAA==), and S3, R2 and MinIO
 * would reject every real upload through it (aws-sdk-js-v3#6994). Runs after the checksum
 * middleware (build step, low priority), on this command only.
 */
const withoutBodyChecksum: BuildMiddleware<PutObjectCommandInput, PutObjectCommandOutput> = (next) => async (args) => {
  const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
  for (const name of Object.keys(headers)) if (BODY_CHECKSUM_HEADER.test(name)) delete headers[name];
  return next(args);
};

/** `attachment` with the name both as ASCII and, for any other script, RFC 5987 encoded. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === name ? `attachment; filename="${name}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export const presign = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<PresignOutput> {
    const Key = ctx.keys.resolve(input.key);
    // A presigned URL is built without a request, so the endpoint guard's check at connection time never runs.
    await checkEndpointResolves(ctx.connection.endpoint);
    const { expiresIn } = input;
    const headers: Record<string, string> = {};
    let command: GetObjectCommand | PutObjectCommand;
    if (input.method === 'PUT') {
      const put = new PutObjectCommand({ Bucket: ctx.bucket, Key, ...(input.contentType ? { ContentType: input.contentType } : {}) });
      put.middlewareStack.add(withoutBodyChecksum, { step: 'build', priority: 'low', name: 'presignWithoutBodyChecksum' });
      command = put;
      if (input.contentType) headers['Content-Type'] = input.contentType;
    } else {
      command = new GetObjectCommand({
        Bucket: ctx.bucket,
        Key,
        ...(input.versionId ? { VersionId: input.versionId } : {}),
        ...(input.downloadName ? { ResponseContentDisposition: attachment(input.downloadName) } : {}),
        ...(input.responseContentType ? { ResponseContentType: input.responseContentType } : {}),
      });
    }
    // Loaded on the first presign: no other action needs it.
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const signedAt = Date.now();
    let url: string;
    try {
      url = await getSignedUrl(ctx.s3, command, {
        expiresIn,
        // Signed, so the uploader cannot store the object under another type.
        ...(input.contentType && input.method === 'PUT' ? { signableHeaders: new Set(['content-type']) } : {}),
      });
    } catch (error) {
      throw ctx.fail(error, { key: input.key, iamAction: input.method === 'PUT' ? 's3:PutObject' : 's3:GetObject' });
    }
    return { key: input.key, url, method: input.method, expiresAt: new Date(signedAt + expiresIn * 1000).toISOString(), headers };
  },
});
