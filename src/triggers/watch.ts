/**
 * What a trigger watches, resolved once per call from its input and the connection, and the listing
 * of it page by page: the part scan and ordered mode share.
 */
import type { _Object } from '@aws-sdk/client-s3';
import type { RunContext } from '../action.js';
import type { ObjectChangedInput } from '../generated/triggers/objectChanged.input.js';
import type { ResumePoint } from '../list-token.js';
import { lastEntry, listPages } from '../listing.js';
import { MAX_KEYS_PER_PAGE } from '../limits.js';
import { unquoteEtag } from '../object-info.js';
import { digest } from './records.js';

/** The input once the schema's defaults are applied. */
export type TriggerInput = ObjectChangedInput & Required<Pick<ObjectChangedInput, 'subfolders' | 'skipFolderMarkers' | 'mode' | 'lookbackSeconds' | 'bufferKeys' | 'pagesPerPoll'>>;

/** An object as a listing shows it, with its key three ways. */
export interface Listed {
  /** The full S3 key, base path included. */
  fullKey: string;
  /** Relative to the connection's base path: the key users see. */
  key: string;
  /** Relative to the watched prefix: what the state keeps. */
  rel: string;
  size: number;
  etag: string;
  /** LastModified in whole seconds of S3's clock (its resolution). */
  time: number;
  storageClass: string;
}

export interface Watch {
  input: TriggerInput;
  /** The full prefix, base path included, verbatim: "inv/" never matches "inv2/". */
  prefix: string;
  /** "/" when subfolders are left out: S3 then folds them into common prefixes, which are ignored. */
  delimiter: string | undefined;
  /** `backfillSince` in S3 seconds. */
  since: number | undefined;
  /** Whether a key (relative to the prefix) passes the filters; `size` is unknown for uploads in progress. */
  accepts(rel: string, size?: number): boolean;
  /** A hash of everything that decides what is watched: another one means a new baseline. */
  fingerprint: string;
}

export function watchOf(input: TriggerInput, ctx: RunContext): Watch {
  const prefix = ctx.keys.resolvePrefix(input.prefix);
  const suffixes = (input.suffixes ?? []).map((s) => s.toLowerCase());
  const since = input.backfillSince === undefined ? undefined : Math.floor(Date.parse(input.backfillSince) / 1000);
  const { connection } = ctx;
  const fingerprint = digest(
    JSON.stringify([connection.bucket, connection.endpoint ?? connection.region, ctx.keys.base, prefix, input.subfolders, [...suffixes].sort(), input.skipFolderMarkers, input.mode, since ?? null, input.lookbackSeconds, input.bufferKeys]),
  )
    .subarray(0, 9)
    .toString('base64url');
  return {
    input,
    prefix,
    delimiter: input.subfolders ? undefined : '/',
    since,
    fingerprint,
    accepts(rel, size) {
      if (!input.subfolders && rel.includes('/')) return false;
      // A folder marker: what the S3 console's "Create folder" writes.
      if (input.skipFolderMarkers && size === 0 && rel.endsWith('/')) return false;
      if (suffixes.length === 0) return true;
      const lower = rel.toLowerCase();
      return suffixes.some((suffix) => lower.endsWith(suffix));
    },
  };
}

export function listed(object: _Object, watch: Watch, ctx: RunContext): Listed {
  const fullKey = object.Key ?? '';
  return {
    fullKey,
    key: ctx.keys.relative(fullKey),
    rel: fullKey.slice(watch.prefix.length),
    size: object.Size ?? 0,
    etag: unquoteEtag(object.ETag),
    time: Math.floor((object.LastModified?.getTime() ?? 0) / 1000),
    // Some S3-compatible servers omit it; S3 itself omits nothing here.
    storageClass: object.StorageClass ?? 'STANDARD',
  };
}

/** A key relative to the prefix, for the state: base64url keeps any key (control characters too) at 4/3 of its bytes. */
export const encodeKey = (rel: string): string => Buffer.from(rel, 'utf8').toString('base64url');
export const decodeKey = (encoded: string): string => Buffer.from(encoded, 'base64url').toString('utf8');

export interface Listing {
  /** The last key or folder of the last page (full key), to resume after; `after` when nothing was listed. */
  last: string | undefined;
  /** The prefix was listed to its end. */
  done: boolean;
}

/**
 * Lists the watched prefix after `after` (a full key), one page per request, at most `pages`
 * requests, handing each page's objects to `onObjects`; it stops early when that returns false.
 */
export async function listAfter(ctx: RunContext, watch: Watch, after: string | undefined, pages: number, onObjects: (objects: Listed[]) => boolean | void): Promise<Listing> {
  let resume: ResumePoint | undefined = after === undefined ? undefined : { after };
  let last = after;
  for (let page = 0; page < pages; page++) {
    let goOn = true;
    const next = await listPages(
      ctx,
      { prefix: watch.prefix, delimiter: watch.delimiter, startAfter: undefined, resume, pageSize: MAX_KEYS_PER_PAGE, limit: MAX_KEYS_PER_PAGE, all: false },
      (entries) => {
        last = lastEntry(entries) ?? last;
        goOn = onObjects(entries.objects.map((object) => listed(object, watch, ctx))) !== false;
      },
    );
    if (!goOn) return { last, done: false };
    if (next === undefined) return { last, done: true };
    resume = next;
  }
  return { last, done: false };
}
