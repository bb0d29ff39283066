import type { RunContext } from '../action.js';
import type { TriggerEvent } from '../contract.js';
import { compareKeys } from '../listing.js';
import { changeOf, eventOf } from './events.js';
import { SAMPLE_MAX_PAGES, SAMPLE_SIZE } from './limits.js';
import { listAfter, type Listed, type Watch } from './watch.js';

/** Newest first; the key breaks ties of the same second. */
const newestFirst = (a: Listed, b: Listed) => b.time - a.time || compareKeys(a.fullKey, b.fullKey);

/**
 * "Test trigger": the newest objects under the prefix, as the events they would fire, newest first.
 * S3 lists in key order only, so finding the newest means reading the listing; a prefix larger than
 * SAMPLE_MAX_PAGES pages is sampled from its first keys, and the log says so.
 */
export async function sampleEvents(watch: Watch, ctx: RunContext): Promise<TriggerEvent[]> {
  let newest: Listed[] = [];
  const listing = await listAfter(ctx, watch, undefined, SAMPLE_MAX_PAGES, (objects) => {
    newest = [...newest, ...objects.filter((o) => watch.accepts(o.rel, o.size))].sort(newestFirst).slice(0, SAMPLE_SIZE);
  });
  if (!listing.done) {
    ctx.logger?.warn(`The sample comes from the first ${(SAMPLE_MAX_PAGES * 1000).toLocaleString('en')} keys under "${watch.prefix}": the prefix holds more, and a newer object may sort after them.`);
  }
  return newest.map((object) => eventOf(object, changeOf(object)));
}
