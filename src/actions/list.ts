import type { _Object } from '@aws-sdk/client-s3';
import inputSchema from '../../schemas/actions/list.input.json';
import { defineAction } from '../action.js';
import type { ListInput } from '../generated/actions/list.input.js';
import type { ListOutput } from '../generated/actions/list.output.js';
import { resolveRange } from '../key-range.js';
import type { KeyScope } from '../keys.js';
import { decodeResumePoint, encodeResumePoint, type ListingScope } from '../list-token.js';
import { listPages } from '../listing.js';
import { unquoteEtag } from '../object-info.js';
import { validator } from '../validate.js';

/** The schema's defaults are applied by validation. */
type Input = ListInput & Required<Pick<ListInput, 'all' | 'limit' | 'maxKeys'>>;
type ListedObject = ListOutput['objects'][number];

function toObject(object: _Object, keys: KeyScope): ListedObject {
  return {
    key: keys.relative(object.Key ?? ''),
    size: object.Size ?? 0,
    lastModified: (object.LastModified ?? new Date(0)).toISOString(),
    etag: unquoteEtag(object.ETag),
    // Some S3-compatible servers omit it; S3 itself omits nothing here.
    storageClass: object.StorageClass ?? 'STANDARD',
  };
}

/** "1 object", "2 objects": progress messages a host shows as they are. */
const count = (n: number, noun: string) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;

export const list = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<ListOutput> {
    const { startAfter, endBefore } = resolveRange(ctx.keys, input);
    const scope: ListingScope = { bucket: ctx.bucket, prefix: ctx.keys.resolvePrefix(input.prefix), delimiter: input.delimiter, endBefore };
    const resume = input.continuationToken === undefined ? undefined : decodeResumePoint(input.continuationToken, scope);
    const objects: ListedObject[] = [];
    const folders: string[] = [];
    const next = await listPages(
      ctx,
      { ...scope, startAfter, resume, pageSize: input.maxKeys, limit: input.all ? input.limit : input.maxKeys, all: input.all },
      (page) => {
        for (const object of page.objects) objects.push(toObject(object, ctx.keys));
        for (const folder of page.folders) folders.push(ctx.keys.relative(folder));
        ctx.progress?.({ done: objects.length + folders.length, message: `Listed ${count(objects.length, 'object')} and ${count(folders.length, 'folder')}` });
      },
    );
    return {
      objects,
      folders,
      isTruncated: next !== undefined,
      ...(next === undefined ? {} : { nextContinuationToken: encodeResumePoint(scope, next) }),
    };
  },
});
