/**
 * resizeMany's sources: the keys under a prefix and inside a key range, page by page (listing.ts's
 * listPage, through ctx.send, so the run's signal and error mapping apply), filtered by `accept`.
 * Pages are fetched as the workers ask.
 */
import type { RunContext } from '../action.js';
import type { KeyRange } from '../key-range.js';
import { MAX_KEYS_PER_PAGE } from '../limits.js';
import type { ResumePoint } from '../list-token.js';
import { listPage } from '../listing.js';
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

export function listCandidates(ctx: RunContext, query: KeyRange & { prefix: string; accept: (key: string) => boolean }): Candidates {
  const queue: ListedSource[] = [];
  let cursor: ResumePoint | undefined = query.startAfter === undefined ? undefined : { after: query.startAfter };
  let complete = false;
  let ignored = 0;
  let found = 0;
  let pending: Promise<void> | undefined;

  const fetchPage = async () => {
    const { page, next } = await listPage(ctx, { prefix: query.prefix, delimiter: undefined, endBefore: query.endBefore }, cursor, MAX_KEYS_PER_PAGE);
    for (const object of page.objects) {
      const key = ctx.keys.relative(object.Key!);
      if (!query.accept(key)) {
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
    cursor = next;
    complete = next === undefined;
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
