import { HeadObjectCommand } from '@aws-sdk/client-s3';
import inputSchema from '../../schemas/actions/head.input.json';
import { defineAction } from '../action.js';
import type { HeadInput } from '../generated/actions/head.input.js';
import type { HeadOutput } from '../generated/actions/head.output.js';
import { describeObject } from '../object-info.js';
import { validator } from '../validate.js';

export const head = defineAction({
  input: validator<HeadInput>(inputSchema),
  async run({ key, versionId }, ctx): Promise<HeadOutput> {
    const answer = await ctx.send(
      new HeadObjectCommand({ Bucket: ctx.bucket, Key: ctx.keys.resolve(key), ...(versionId ? { VersionId: versionId } : {}) }),
      { key, ...(versionId ? { iamAction: 's3:GetObjectVersion' } : {}) },
    );
    return describeObject(key, answer);
  },
});
