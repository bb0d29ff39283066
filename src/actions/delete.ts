import { DeleteObjectCommand, DeleteObjectsCommand, type _Error } from '@aws-sdk/client-s3';
import inputSchema from '../../schemas/actions/delete.input.json';
import { defineAction, type RunContext } from '../action.js';
import { invalidInput } from '../errors.js';
import type { DeleteInput } from '../generated/actions/delete.input.js';
import type { DeleteOutput } from '../generated/actions/delete.output.js';
import { MAX_KEYS_PER_DELETE } from '../limits.js';
import { listPages } from '../listing.js';
import { validator } from '../validate.js';

const IAM_ACTION = 's3:DeleteObject';

/** A per-key error of a DeleteObjects answer, in the shape of the SDK's errors, so the one mapping reads it. */
function keyError(error: _Error): Error {
  return Object.assign(new Error(error.Message ?? error.Code ?? 'Unknown error'), { name: error.Code ?? 'Error' });
}

/**
 * Deletes up to 1,000 full keys in one request. S3 answers each key on its own (Quiet: only the
 * failures), so one refused key never fails the others.
 */
async function deleteBatch(ctx: RunContext, fullKeys: string[], result: DeleteOutput, total?: number): Promise<void> {
  const answer = await ctx.send(
    new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: fullKeys.map((Key) => ({ Key })), Quiet: true } }),
    // The request as a whole is about every key in the base path.
    { key: '*', iamAction: IAM_ACTION },
  );
  const failed = new Map<string, _Error>();
  for (const error of answer.Errors ?? []) if (error.Key !== undefined) failed.set(error.Key, error);
  for (const fullKey of fullKeys) {
    const key = ctx.keys.relative(fullKey);
    const error = failed.get(fullKey);
    if (!error) {
      result.deleted.push(key);
      continue;
    }
    const mapped = ctx.fail(keyError(error), { key, iamAction: IAM_ACTION });
    result.errors.push({ key, code: mapped.code, message: mapped.message, retryable: mapped.retryable, ...(error.Code ? { awsCode: error.Code } : {}) });
  }
  const done = result.deleted.length + result.errors.length;
  ctx.progress?.({ done, ...(total === undefined ? {} : { total }), message: `Deleted ${result.deleted.length} objects` });
}

/** Every key resolved first, so one bad key fails the run before anything is deleted; duplicates once. */
function resolveAll(ctx: RunContext, keys: readonly string[]): string[] {
  return [...new Set(keys.map((key, i) => ctx.keys.resolve(key, `/keys/${i}`)))];
}

export const del = defineAction({
  input: validator<DeleteInput>(inputSchema),
  async run(input, ctx): Promise<DeleteOutput> {
    if (input.key !== undefined) {
      await ctx.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: ctx.keys.resolve(input.key) }), { key: input.key });
      return { deleted: [input.key], errors: [] };
    }
    const result: DeleteOutput = { deleted: [], errors: [] };
    if (input.keys !== undefined) {
      const fullKeys = resolveAll(ctx, input.keys);
      for (let i = 0; i < fullKeys.length; i += MAX_KEYS_PER_DELETE) {
        await deleteBatch(ctx, fullKeys.slice(i, i + MAX_KEYS_PER_DELETE), result, fullKeys.length);
      }
      return result;
    }
    // The schema's oneOf already requires it; an empty prefix must never reach here and empty the base path.
    if (!input.prefix) throw invalidInput('/prefix', 'Expected a non-empty `prefix`: deleting every key in the base path is refused.');
    // Each listed page (at most 1,000 keys, DeleteObjects' limit too) is deleted before the next is listed.
    const prefix = ctx.keys.resolvePrefix(input.prefix);
    await listPages(
      ctx,
      { prefix, delimiter: undefined, startAfter: undefined, resume: undefined, pageSize: MAX_KEYS_PER_DELETE, limit: Number.POSITIVE_INFINITY, all: true },
      (page) => (page.objects.length === 0 ? undefined : deleteBatch(ctx, page.objects.map((object) => object.Key ?? ''), result)),
    );
    return result;
  },
});
