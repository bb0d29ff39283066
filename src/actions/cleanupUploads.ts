import { ListMultipartUploadsCommand, type MultipartUpload } from '@aws-sdk/client-s3';
import inputSchema from '../../schemas/actions/cleanupUploads.input.json';
import { defineAction } from '../action.js';
import type { CleanupUploadsInput } from '../generated/actions/cleanupUploads.input.js';
import type { CleanupUploadsOutput } from '../generated/actions/cleanupUploads.output.js';
import { abortMultipartUpload } from '../multipart-abort.js';
import { validator } from '../validate.js';

/** The schema's defaults are applied by validation. */
type Input = Required<CleanupUploadsInput>;

const HOUR_MS = 60 * 60 * 1000;

/**
 * Aborts the incomplete multipart uploads under a prefix started before a cut-off: the parts of
 * uploads that crashed, or whose abort failed, which S3 otherwise keeps and bills for ever.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
 */
export const cleanupUploads = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<CleanupUploadsOutput> {
    const prefix = ctx.keys.resolvePrefix(input.prefix);
    const cutoff = Date.now() - input.olderThanHours * HOUR_MS;
    const stale: MultipartUpload[] = [];
    let kept = 0;
    let more = false;
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await ctx.send(new ListMultipartUploadsCommand({ Bucket: ctx.bucket, ...(prefix ? { Prefix: prefix } : {}), ...marker }));
      for (const upload of page.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) kept++;
        else if (stale.length < input.limit) stale.push(upload);
        else more = true;
      }
      if (page.IsTruncated !== true || more || !page.NextKeyMarker) break;
      marker = { KeyMarker: page.NextKeyMarker, ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}) };
    }
    stale.sort((a, b) => (a.Initiated?.getTime() ?? 0) - (b.Initiated?.getTime() ?? 0));

    const output: CleanupUploadsOutput = { aborted: [], errors: [], kept, dryRun: input.dryRun, more };
    for (const [index, upload] of stale.entries()) {
      const key = ctx.keys.relative(upload.Key!);
      const uploadId = upload.UploadId!;
      const failed = input.dryRun ? undefined : await abortMultipartUpload(ctx, { key, fullKey: upload.Key!, uploadId }, { quiet: true });
      if (failed) output.errors.push({ key, uploadId, code: failed.code, message: failed.message });
      else output.aborted.push({ key, uploadId, initiated: (upload.Initiated ?? new Date(0)).toISOString() });
      ctx.progress?.({ done: index + 1, total: stale.length, message: `${input.dryRun ? 'Found' : 'Aborted'} ${output.aborted.length} incomplete uploads` });
    }
    return output;
  },
});
