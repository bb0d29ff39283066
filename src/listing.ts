import { ListObjectsV2Command, type _Object, type CommonPrefix } from '@aws-sdk/client-s3';
import type { RunContext } from './action.js';
import type { ResumePoint } from './list-token.js';

export interface ListingQuery {
  /** The full prefix, base path included: nothing outside it is ever returned. */
  prefix: string;
  delimiter: string | undefined;
  /** A full key to start after, when not resuming. */
  startAfter: string | undefined;
  /**
   * A full key the listing stops before (exclusive), in S3's order. S3 has StartAfter but no
   * EndBefore: the listing is cut where keys reach it, and asks for no page beyond.
   */
  endBefore?: string | undefined;
  resume: ResumePoint | undefined;
  /** Objects and folders per request (S3's MaxKeys, at most 1,000). */
  pageSize: number;
  /** Objects and folders in all, across pages. */
  limit: number;
  /** Follow NextContinuationToken; otherwise one request only. */
  all: boolean;
}

/** What one request lists: the prefix, the delimiter and the upper bound; where it starts is its cursor. */
export type PageQuery = Pick<ListingQuery, 'prefix' | 'delimiter' | 'endBefore'>;

/** One page's entries, with full keys, never outside the prefix. */
export interface ListedPage {
  objects: _Object[];
  folders: string[];
}

/**
 * S3 orders keys by their UTF-8 bytes, which is code point order; JS `<` compares UTF-16 units, and
 * puts an astral character (a surrogate pair, from U+D800) before U+E000–U+FFFF, where S3 puts it after.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The first `n` entries of a page in S3's order (objects and folders interleave), and the last one's key. */
function firstEntries(page: ListedPage, n: number): { page: ListedPage; last: string } {
  const { objects, folders } = page;
  let i = 0;
  let j = 0;
  let last = '';
  while (i + j < n) {
    const object = objects[i]?.Key;
    const folder = folders[j];
    if (object !== undefined && (folder === undefined || compareKeys(object, folder) < 0)) {
      last = object;
      i++;
    } else if (folder !== undefined) {
      last = folder;
      j++;
    } else {
      break;
    }
  }
  return { page: { objects: objects.slice(0, i), folders: folders.slice(0, j) }, last };
}

/** `encoding-type=url` encodes like a form: space as "+", "+" as "%2B". */
export function urlDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * The page's entries with decoded, full keys, keeping only those under the prefix: S3 never returns
 * others, and this holds even against a misbehaving S3-compatible server.
 */
function entries(contents: _Object[] | undefined, prefixes: CommonPrefix[] | undefined, encoded: boolean, query: PageQuery, repeat: string | undefined): ListedPage {
  const objects: _Object[] = [];
  for (const object of contents ?? []) {
    if (object.Key === undefined) continue;
    const key = encoded ? urlDecode(object.Key) : object.Key;
    if (!key.startsWith(query.prefix)) continue;
    objects.push(encoded ? { ...object, Key: key } : object);
  }
  const folders: string[] = [];
  for (const { Prefix } of prefixes ?? []) {
    if (Prefix === undefined) continue;
    const folder = encoded ? urlDecode(Prefix) : Prefix;
    // Resuming after a folder, S3 answers that folder again first: its keys sort after its name.
    if (folder.startsWith(query.prefix) && folder !== repeat) folders.push(folder);
  }
  return { objects, folders };
}

/** Drops the entries at or past `endBefore`; `reached` when there were any, so no later page can hold more. */
function below(page: ListedPage, endBefore: string | undefined): { page: ListedPage; reached: boolean } {
  if (endBefore === undefined) return { page, reached: false };
  const objects = page.objects.filter((o) => compareKeys(o.Key!, endBefore) < 0);
  const folders = page.folders.filter((f) => compareKeys(f, endBefore) < 0);
  return { page: { objects, folders }, reached: objects.length < page.objects.length || folders.length < page.folders.length };
}

/** True when nothing can lie between the cursor (or the prefix) and `endBefore`: no request is needed. */
function emptyRange(query: PageQuery, cursor: ResumePoint | undefined): boolean {
  if (query.endBefore === undefined) return false;
  // Every key under the prefix sorts at or after the prefix itself.
  if (compareKeys(query.prefix, query.endBefore) >= 0) return true;
  return cursor !== undefined && 'after' in cursor && compareKeys(cursor.after, query.endBefore) >= 0;
}

/**
 * One ListObjectsV2 request from `cursor`: the page's entries (decoded, full keys, under the prefix,
 * before `endBefore`) and where the listing goes on, undefined once it is complete.
 */
export async function listPage(ctx: RunContext, query: PageQuery, cursor: ResumePoint | undefined, maxKeys: number): Promise<{ page: ListedPage; next: ResumePoint | undefined; requested: boolean }> {
  if (emptyRange(query, cursor)) return { page: { objects: [], folders: [] }, next: undefined, requested: false };
  const answer = await ctx.send(
    new ListObjectsV2Command({
      Bucket: ctx.bucket,
      ...(query.prefix ? { Prefix: query.prefix } : {}),
      ...(query.delimiter ? { Delimiter: query.delimiter } : {}),
      MaxKeys: maxKeys,
      // Keys holding characters XML 1.0 cannot carry (control characters) only survive URL-encoded.
      EncodingType: 'url',
      ...(cursor === undefined ? {} : 'token' in cursor ? { ContinuationToken: cursor.token } : { StartAfter: cursor.after }),
    }),
  );
  const repeat = cursor !== undefined && 'after' in cursor ? cursor.after : undefined;
  // Decode only what the server says it encoded: some S3-compatible servers ignore encoding-type.
  const { page, reached } = below(entries(answer.Contents, answer.CommonPrefixes, answer.EncodingType === 'url', query, repeat), query.endBefore);
  if (reached || answer.IsTruncated !== true) return { page, next: undefined, requested: true };
  // A non-conforming server may truncate without a token: resume after the last entry instead.
  const last = lastEntry(page);
  const next: ResumePoint | undefined = answer.NextContinuationToken ? { token: answer.NextContinuationToken } : last === undefined ? undefined : { after: last };
  return { page, next, requested: true };
}

/**
 * Lists page by page, handing each page to `onPage`, and resolves with where to resume when keys
 * remain. The last request asks for no more than the limit leaves, so on S3 the listing stops at a
 * page boundary and S3's own token resumes it; a server that returns more than asked is cut in
 * S3's key order and resumed after the last entry returned.
 *
 * A loop rather than the SDK's paginateListObjectsV2: the paginator keeps one page size for the
 * whole run, and it calls the client directly, past `ctx.send`'s cancellation and error mapping.
 */
export async function listPages(ctx: RunContext, query: ListingQuery, onPage: (page: ListedPage) => unknown): Promise<ResumePoint | undefined> {
  let cursor: ResumePoint | undefined = query.resume ?? (query.startAfter ? { after: query.startAfter } : undefined);
  let count = 0;
  for (;;) {
    const wanted = Math.min(query.pageSize, query.limit - count);
    const { page, next, requested } = await listPage(ctx, query, cursor, wanted);
    if (!requested) return undefined;
    const size = page.objects.length + page.folders.length;
    if (size > wanted) {
      const cut = firstEntries(page, wanted);
      await onPage(cut.page);
      return { after: cut.last };
    }
    count += size;
    await onPage(page);
    if (next === undefined || !query.all || count >= query.limit) return next;
    cursor = next;
  }
}

export function lastEntry(page: ListedPage): string | undefined {
  const object = page.objects.at(-1)?.Key;
  const folder = page.folders.at(-1);
  if (object === undefined) return folder;
  if (folder === undefined) return object;
  return compareKeys(object, folder) > 0 ? object : folder;
}
