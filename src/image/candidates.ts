/**
 * resizeMany's sources: the keys under a prefix, page by page (ListObjectsV2 through ctx.send, so the
 * run's signal and error mapping apply), filtered by `accept`. Pages are fetched as the workers ask.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { RunContext } from '../action.js';
import { MAX_KEYS_PER_PAGE } from '../limits.js';
import { unquoteEtag } from '../object-info.js';

export interface ListedSource {
  /** Relative to the base path. */
  key: string;
  etag: string;
  lastModified: string;
  size: number;
}

export interface Candidates extends AsyncIterator<ListedSource, undefined> {
  /** Listed keys `accept` refused. */
  readonly ignored: number;
  /** Accepted keys listed so far, handed out or not. */
  readonly found: number;
  /** Every page has been listed. */
  readonly complete: boolean;
}

export function listCandidates(
  ctx: RunContext,
  query: { prefix: string; startAfter: string | undefined; accept: (key: string) => boolean },
): Candidates {
  const queue: ListedSource[] = [];
  let token: string | undefined;
  let complete = false;
  let ignored = 0;
  let found = 0;
  let pending: Promise<void> | undefined;

  const fetchPage = async () => {
    const page = await ctx.send(
      new ListObjectsV2Command({
        Bucket: ctx.bucket,
        Prefix: query.prefix || undefined,
        MaxKeys: MAX_KEYS_PER_PAGE,
        ...(token ? { ContinuationToken: token } : query.startAfter ? { StartAfter: query.startAfter } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      const key = ctx.keys.relative(object.Key ?? '');
      if (!object.Key || !query.accept(key)) {
        ignored++;
        continue;
      }
      found++;
      queue.push({
        key,
        etag: unquoteEtag(object.ETag),
        lastModified: (object.LastModified ?? new Date(0)).toISOString(),
        size: object.Size ?? 0,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    complete = token === undefined;
  };

  return {
    get ignored() {
      return ignored;
    },
    get found() {
      return found;
    },
    get complete() {
      return complete;
    },
    async next() {
      // Workers ask at once; one page request serves them all.
      while (queue.length === 0 && !complete) {
        pending ??= fetchPage().finally(() => {
          pending = undefined;
        });
        await pending;
      }
      const value = queue.shift();
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
  };
}
