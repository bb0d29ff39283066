/**
 * scan mode: works for any key layout. Each sweep lists the whole prefix (across several polls when it
 * is large, resuming from a cursor in the state) and considers the objects dated since the previous
 * sweep began, less a look-back window, by S3's own clock:
 *
 * - every object that appeared in listings before sweep k-1 began was listed by sweep k-1 or earlier,
 *   so sweep k need only look at objects dated from S(k-1) - window (those that show up in listings
 *   later than the window after their date are the exception the window is sized for);
 * - what was sent inside the window is remembered as hashes (`seen`), so an object dated in the same
 *   second as the watermark, or listed by two sweeps, fires exactly once;
 * - multipart objects, dated from when their upload began, are caught through the uploads in
 *   progress noted by one ListMultipartUploads per poll (uploads.ts).
 */
import type { RunContext } from '../action.js';
import type { ObjectChangedState } from '../generated/triggers/objectChanged.state.js';
import { Backfill } from './backfill.js';
import { changeOf, type Change } from './events.js';
import { compareKeys } from '../listing.js';
import { SEEN_CAPACITY } from './limits.js';
import { DatedHashes, decodeUploads, encodeUploads } from './records.js';
import { passServerSecond } from './server-time.js';
import { followUploads, listUploads, settleUploads, uploadFinder } from './uploads.js';
import { decodeKey, encodeKey, listAfter, type Listed, type Watch } from './watch.js';

/** An event to be: the object, its change, and whether it is a backfill. */
export interface Found {
  object: Listed;
  change: Change;
  backfill?: boolean;
}

export interface Step {
  found: Found[];
  state: ObjectChangedState;
  more: boolean;
  warnings: string[];
}

/** The baseline: S3's time now (objects dated up to it exist already) and the uploads in progress. */
export async function enableScan(watch: Watch, ctx: RunContext): Promise<ObjectChangedState> {
  const now = await listUploads(ctx, watch);
  for (const warning of now.warnings) ctx.logger?.warn(warning);
  const { records } = followUploads([], now);
  const backfill = watch.since !== undefined && watch.since <= now.serverTime;
  await passServerSecond(ctx.signal);
  return {
    v: 1,
    mode: 'scan',
    cfg: watch.fingerprint,
    cut: now.serverTime,
    ...(records.length > 0 ? { uploads: encodeUploads(records) } : {}),
    ...(backfill ? { backfill: { batch: [] } } : {}),
  };
}

export async function pollScan(watch: Watch, ctx: RunContext, state: ObjectChangedState): Promise<Step> {
  const window = watch.input.lookbackSeconds;
  const now = await listUploads(ctx, watch);
  const followed = followUploads(decodeUploads(state.uploads), now);
  const uploads = followed.records;
  const warnings = [...now.warnings, ...followed.warnings];
  const seen = DatedHashes.decode(state.seen);
  let floor = state.floor;
  // A new sweep begins at this poll's clock, read before its first listing request.
  const sweep = state.sweep ?? { start: now.serverTime, from: Math.max((state.prev ?? state.cut) - window, floor ?? 0), ...(state.prev === undefined ? { baseline: true } : {}) };
  const backfill = state.backfill && watch.since !== undefined ? new Backfill(state.backfill, watch.since, state.cut) : undefined;
  const found: Found[] = [];
  const uploadOf = uploadFinder(uploads);

  const consider = (object: Listed) => {
    if (!watch.accepts(object.rel, object.size)) return;
    const upload = uploadOf(object);
    if (upload || object.time >= sweep.from) {
      const change = changeOf(object);
      if (!seen.has(change.hash)) {
        if (!upload && object.time <= state.cut) {
          // It existed at the baseline: noted by the first sweep so that later ones skip it too.
          if (sweep.baseline) seen.add(change.hash, object.time);
        } else {
          found.push({ object, change });
          seen.add(change.hash, object.time);
          if (upload) upload.sent = true;
        }
      }
    }
    if (!upload) backfill?.offer(object);
  };

  const after = sweep.cursor === undefined ? undefined : watch.prefix + decodeKey(sweep.cursor);
  const listing = await listAfter(ctx, watch, after, watch.input.pagesPerPoll, (objects) => objects.forEach(consider));

  const forgotten = seen.shrinkTo(SEEN_CAPACITY);
  if (forgotten !== undefined) {
    floor = Math.max(floor ?? 0, forgotten + 1);
    warnings.push(
      `More than ${SEEN_CAPACITY.toLocaleString('en')} objects under "${watch.prefix}" changed within the ${window}-second look-back window, more than the trigger's state remembers. Each one fired once; until fewer change at a time, the window shrinks to objects dated from ${new Date(floor * 1000).toISOString()} on, so an object that shows up in listings later than that after its date (a slow single upload) could be missed.`,
    );
  }

  const next: ObjectChangedState = { v: 1, mode: 'scan', cfg: state.cfg, cut: state.cut };
  let more: boolean;
  let records = uploads;
  let released: Found[] = [];
  let pending = backfill?.store();
  if (listing.done) {
    // The sweep is over: the next one considers objects dated from this one's start less the window.
    next.prev = sweep.start;
    const from = Math.max(sweep.start - window, floor ?? 0);
    seen.forgetBefore(from);
    if (floor !== undefined && floor <= sweep.start - window) floor = undefined;
    records = settleUploads(uploads, sweep.start);
    if (backfill) {
      const { items, next: rest } = backfill.release();
      released = items.map((item) => {
        const object: Listed = { fullKey: watch.prefix + item.k, key: ctx.keys.relative(watch.prefix + item.k), rel: item.k, size: item.s, etag: item.e, time: item.t, storageClass: item.c ?? 'STANDARD' };
        return { object, change: changeOf(object), backfill: true };
      });
      pending = rest;
    }
    more = pending !== undefined;
  } else {
    next.sweep = { ...sweep, cursor: encodeKey((listing.last ?? watch.prefix).slice(watch.prefix.length)) };
    more = true;
  }
  if (floor !== undefined) next.floor = floor;
  if (seen.size > 0) next.seen = seen.encode();
  if (records.length > 0) next.uploads = encodeUploads(records);
  if (pending) next.backfill = pending;

  // Oldest first, the key breaking ties: the order in which the objects were written, to the second.
  found.sort((a, b) => a.object.time - b.object.time || compareKeys(a.object.fullKey, b.object.fullKey));
  return { found: [...released, ...found], state: next, more, warnings };
}
