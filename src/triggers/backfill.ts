/**
 * backfillSince in scan mode: objects that existed when the trigger was turned on, dated since then,
 * released oldest first. Any key layout means no listing order helps, so each sweep keeps the oldest
 * BACKFILL_BATCH objects after the last one released, and releases them when it ends.
 */
import type { ObjectChangedState } from '../generated/triggers/objectChanged.state.js';
import { compareKeys } from '../listing.js';
import { BACKFILL_BATCH, BACKFILL_BATCH_BYTES } from './limits.js';
import { decodeKey, encodeKey, type Listed } from './watch.js';

type Stored = NonNullable<ObjectChangedState['backfill']>;
type Item = Stored['batch'][number];

const bytesOf = (item: Item): number => Buffer.byteLength(JSON.stringify(item));

/** Oldest first; the key (in S3's order) breaks ties of the same second. */
function compare(a: { t: number; k: string }, b: { t: number; k: string }): number {
  return a.t - b.t || compareKeys(a.k, b.k);
}

export class Backfill {
  readonly #after: { t: number; k: string } | undefined;
  readonly #batch: Item[];
  #bytes: number;
  #more: boolean;

  /** `since` and `until` (the baseline) bound the dates, in S3 seconds. */
  constructor(
    stored: Stored,
    private readonly since: number,
    private readonly until: number,
  ) {
    this.#after = stored.after && { t: stored.after.t, k: decodeKey(stored.after.k) };
    this.#batch = stored.batch.map((item) => ({ ...item }));
    this.#bytes = this.#batch.reduce((sum, item) => sum + bytesOf(item), 0);
    this.#more = stored.more === true;
  }

  /** Considers an object that existed at the baseline. */
  offer(object: Listed): void {
    if (object.time < this.since || object.time > this.until) return;
    const item: Item = { k: object.rel, s: object.size, e: object.etag, t: object.time, ...(object.storageClass === 'STANDARD' ? {} : { c: object.storageClass }) };
    if (this.#after && compare(item, this.#after) <= 0) return;
    const at = this.#batch.findIndex((other) => compare(item, other) < 0);
    this.#batch.splice(at === -1 ? this.#batch.length : at, 0, item);
    this.#bytes += bytesOf(item);
    // The newest go first: a later sweep picks them up after this batch.
    while (this.#batch.length > 1 && (this.#batch.length > BACKFILL_BATCH || this.#bytes > BACKFILL_BATCH_BYTES)) {
      this.#bytes -= bytesOf(this.#batch.pop()!);
      this.#more = true;
    }
  }

  /**
   * At the end of a sweep: the batch to send, oldest first, and what remains to do (undefined when
   * this sweep found every object left).
   */
  release(): { items: Item[]; next: Stored | undefined } {
    const last = this.#batch.at(-1);
    const after = last ? { t: last.t, k: encodeKey(last.k) } : this.#after && { t: this.#after.t, k: encodeKey(this.#after.k) };
    return { items: this.#batch, next: this.#more ? { batch: [], ...(after ? { after } : {}) } : undefined };
  }

  /** Mid-sweep: the batch so far, for the state. */
  store(): Stored {
    return {
      batch: this.#batch,
      ...(this.#after ? { after: { t: this.#after.t, k: encodeKey(this.#after.k) } } : {}),
      ...(this.#more ? { more: true } : {}),
    };
  }
}
