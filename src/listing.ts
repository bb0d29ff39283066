import { ListObjectsV2Command, type _Object, type CommonPrefix } from '@aws-sdk/client-s3';
import type { RunContext } from './action.js';
import type { ResumePoint } from './list-token.js';

export interface ListingQuery {
  /** The full prefix, base path included: nothing outside it is ever returned. */
  prefix: string;
  delimiter: string | undefined;
  /** A full key to start after, when not resuming. */
  startAfter: string | undefined;
  resume: ResumePoint | undefined;
  /** Objects and folders per request (S3's MaxKeys, at most 1,000). */
  pageSize: number;
  /** Objects and folders in all, across pages. */
  limit: number;
  /** Follow NextContinuationToken; otherwise one request only. */
  all: boolean;
}

/** One page's entries, with full keys, never outside the prefix. */
export interface ListedPage {
  objects: _Object[];
  folders: string[];
}

/** S3 orders keys by their UTF-8 bytes, which is code point order; JS `<` compares UTF-16 units. */
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
function entries(contents: _Object[] | undefined, prefixes: CommonPrefix[] | undefined, encoded: boolean, query: ListingQuery, repeat: string | undefined): ListedPage {
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
    const answer = await ctx.send(
      new ListObjectsV2Command({
        Bucket: ctx.bucket,
        ...(query.prefix ? { Prefix: query.prefix } : {}),
        ...(query.delimiter ? { Delimiter: query.delimiter } : {}),
        MaxKeys: wanted,
        // Keys holding characters XML 1.0 cannot carry (control characters) only survive URL-encoded.
        EncodingType: 'url',
        ...(cursor === undefined ? {} : 'token' in cursor ? { ContinuationToken: cursor.token } : { StartAfter: cursor.after }),
      }),
    );
    const repeat = cursor !== undefined && 'after' in cursor ? cursor.after : undefined;
    // Decode only what the server says it encoded: some S3-compatible servers ignore encoding-type.
    const page = entries(answer.Contents, answer.CommonPrefixes, answer.EncodingType === 'url', query, repeat);
    const size = page.objects.length + page.folders.length;
    if (size > wanted) {
      const cut = firstEntries(page, wanted);
      await onPage(cut.page);
      return { after: cut.last };
    }
    count += size;
    await onPage(page);
    if (answer.IsTruncated !== true) return undefined;
    // A non-conforming server may truncate without a token: resume after the last entry instead.
    const last = lastEntry(page);
    const next: ResumePoint | undefined = answer.NextContinuationToken ? { token: answer.NextContinuationToken } : last === undefined ? undefined : { after: last };
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
