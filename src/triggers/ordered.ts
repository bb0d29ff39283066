/**
 * ordered mode, for keys that only grow (dates, ULIDs, log files): no sweep of the whole prefix, but
 * a listing that starts after the most recent keys and reads them again, usually one request a poll.
 * What it cannot see, by design: a key that sorts before its buffer of recent keys when it appears
 * (a late log file from a lagging writer, once `bufferKeys` newer keys exist), and an overwrite of
 * such a key. The first pass over the prefix finds where the keys end, firing only for objects dated
 * after the baseline, or, with backfillSince, for those dated since then, in key order.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { RunContext } from '../action.js';
import type { ObjectChangedState } from '../generated/triggers/objectChanged.state.js';
import { changeOf } from './events.js';
import { BACKFILL_BATCH, RECENT_KEYS_BYTES } from './limits.js';
import { decodeHashes, encodeHashes } from './records.js';
import type { Found, Step } from './scan.js';
import { passServerSecond, sendTimed } from './server-time.js';
import { decodeKey, encodeKey, listAfter, type Watch } from './watch.js';

/** The baseline: S3's time now, from one cheap listing request (ordered mode needs only s3:ListBucket). */
export async function enableOrdered(watch: Watch, ctx: RunContext): Promise<ObjectChangedState> {
  const { serverTime } = await sendTimed(ctx, new ListObjectsV2Command({ Bucket: ctx.bucket, ...(watch.prefix ? { Prefix: watch.prefix } : {}), MaxKeys: 1 }));
  await passServerSecond(ctx.signal);
  return { v: 1, mode: 'ordered', cfg: watch.fingerprint, cut: serverTime, initial: true };
}

/** The serialized size of the recent keys, as the state holds them. */
const keyBytes = (rel: string): number => Buffer.byteLength(JSON.stringify(rel)) + 1;

export async function pollOrdered(watch: Watch, ctx: RunContext, state: ObjectChangedState): Promise<Step> {
  const recentIds = new Set(decodeHashes(state.recentIds));
  const after = state.after === undefined ? undefined : decodeKey(state.after);
  const backfill = state.initial === true && watch.since !== undefined;
  const cap = backfill ? BACKFILL_BATCH : Infinity;
  const fires = (time: number) => (state.initial !== true ? true : backfill ? time >= watch.since! : time > state.cut);
  // Every key after `after`, in S3's order, as far as this poll read.
  const read: { rel: string; hash: string }[] = [];
  const found: Found[] = [];
  const listing = await listAfter(ctx, watch, after === undefined ? undefined : watch.prefix + after, watch.input.pagesPerPoll, (objects) => {
    for (const object of objects) {
      const change = changeOf(object);
      read.push({ rel: object.rel, hash: change.hash });
      if (!recentIds.has(change.hash) && watch.accepts(object.rel, object.size) && fires(object.time)) {
        found.push({ object, change, ...(backfill && object.time <= state.cut ? { backfill: true } : {}) });
        if (found.length >= cap) return false;
      }
    }
    return true;
  });

  // The buffer: the last `bufferKeys` keys read, as many as fit in the state when keys are long.
  const warnings: string[] = [];
  let keep = Math.min(watch.input.bufferKeys, read.length);
  let bytes = read.slice(read.length - keep).reduce((sum, { rel }) => sum + keyBytes(rel), 0);
  while (keep > 1 && bytes > RECENT_KEYS_BYTES) bytes -= keyBytes(read[read.length - keep--]!.rel);
  if (keep < Math.min(watch.input.bufferKeys, read.length)) {
    warnings.push(
      `The keys under "${watch.prefix}" are too long for the trigger's state to keep the ${watch.input.bufferKeys} most recent: it keeps ${keep}, so a key that arrives late fires only if it sorts after the ${keep} newest.`,
    );
  }
  const recent = read.slice(read.length - keep);
  const start = read.length > keep ? read[read.length - keep - 1]!.rel : after;

  const next: ObjectChangedState = { v: 1, mode: 'ordered', cfg: state.cfg, cut: state.cut };
  if (start !== undefined) next.after = encodeKey(start);
  if (recent.length > 0) {
    next.recent = recent.map(({ rel }) => rel);
    next.recentIds = encodeHashes(recent.map(({ hash }) => hash));
  }
  if (state.initial === true && !listing.done) next.initial = true;
  return { found, state: next, more: !listing.done, warnings };
}
