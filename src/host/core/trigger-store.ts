/**
 * Where the host keeps a watched trigger's state between polls, so a restart resumes exactly: one file
 * per saved connection and trigger under `<home>/triggers/`, written atomically after each poll with the
 * ids of the events already handed on (the contract's duplicate check), and locked while watched, so
 * two processes never poll the same trigger at once (contract 1.1, section 5: one poll at a time).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { HostError } from './errors.js';
import type { TriggerState } from './triggers.js';

const VERSION = 1;

/** Ids of the events already handed on, newest last: enough to cover any replayed poll. */
export const REMEMBERED_EVENT_IDS = 2000;

export interface WatchRecord {
  version: number;
  trigger: string;
  connection: string;
  /** What the last poll (or `enable`) returned; absent before the first baseline. */
  state?: TriggerState;
  /** The ids of the last events handed on, so a replayed poll does not hand them on twice. */
  handedOn: string[];
  updatedAt: string;
}

export interface WatchHandle {
  readonly file: string;
  read(): WatchRecord | undefined;
  save(state: TriggerState, handedOn: readonly string[]): Promise<void>;
  /** Ends the watch: the lock goes, the file stays for the next one. */
  release(): Promise<void>;
}

/** Takes the watch of `triggerId` on the saved connection `connectionId`; refuses one another process holds. */
export async function claimWatch(home: string, connectionId: string, triggerId: string): Promise<WatchHandle> {
  const dir = path.join(home, 'triggers');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Connection ids are base64url and trigger ids identifiers: the name is safe as it is.
  const file = path.join(dir, `${connectionId}.${triggerId}.json`);
  if (!existsSync(file)) await writeFile(file, '', { flag: 'a', mode: 0o600 });
  let unlock: () => Promise<void>;
  try {
    // `update` keeps the lock fresh while the watch runs; a crashed watch's lock goes stale after `stale`.
    unlock = await lockfile.lock(file, { realpath: false, stale: 15_000, update: 5_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    throw new HostError('Conflict', `The trigger "${triggerId}" on this connection is already being watched by another process. Stop it first: a trigger is polled by one watch at a time.`, { cause: error });
  }
  return {
    file,
    read() {
      const text = readFileSync(file, 'utf8');
      if (text.trim() === '') return undefined;
      let record: WatchRecord;
      try {
        record = JSON.parse(text) as WatchRecord;
      } catch (error) {
        throw new HostError('Setup', `The trigger's saved state in ${file} cannot be read (${(error as Error).message}). Remove the file to start the watch over from now.`, { cause: error });
      }
      if (record.version !== VERSION || !Array.isArray(record.handedOn)) {
        throw new HostError('Setup', `${file} was written by another version of the host. Remove it to start the watch over from now.`);
      }
      return record;
    },
    async save(state, handedOn) {
      const record: WatchRecord = {
        version: VERSION,
        trigger: triggerId,
        connection: connectionId,
        state,
        handedOn: handedOn.slice(-REMEMBERED_EVENT_IDS),
        updatedAt: new Date().toISOString(),
      };
      await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    },
    release: () => unlock(),
  };
}
