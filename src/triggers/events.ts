/** A change's id and the event a workflow receives for it. */
import type { TriggerEvent } from '../contract.js';
import type { ObjectChangedOutput } from '../generated/triggers/objectChanged.output.js';
import { digest, shortHash } from './records.js';
import type { Listed } from './watch.js';

export const EVENT_TYPE = 'object.changed';

export interface Change {
  /** The event id: the same object version always gets the same one, so a replayed poll repeats it. */
  id: string;
  /** What the state remembers of it. */
  hash: string;
}

/**
 * Key, ETag and S3's date: a re-upload of new bytes (or the same bytes later) is a new change, and a
 * listing of the same version, by any poll, yields the same id.
 */
export function changeOf(object: Listed): Change {
  const full = digest(object.fullKey, object.etag, object.time);
  return { id: full.subarray(0, 16).toString('base64url'), hash: shortHash(full) };
}

export const isoSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();

export interface EventNotes {
  backfill?: boolean;
  /** The limits the poll hit, in words. */
  degraded?: string | undefined;
}

export function eventOf(object: Listed, change: Change, notes: EventNotes = {}): TriggerEvent {
  const data: ObjectChangedOutput = {
    key: object.key,
    size: object.size,
    etag: object.etag,
    lastModified: isoSeconds(object.time),
    storageClass: object.storageClass,
    ...(notes.backfill ? { backfill: true } : {}),
    ...(notes.degraded ? { degraded: notes.degraded } : {}),
  };
  return { id: change.id, occurredAt: data.lastModified, type: EVENT_TYPE, data };
}
