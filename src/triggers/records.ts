/**
 * The state's bounded sets, packed as fixed-width binary records in one base64 string each: 6-byte
 * hashes and 32-bit seconds take a third of the room JSON would, which is what lets a 64 KiB state
 * remember thousands of events.
 */
import { createHash } from 'node:crypto';

/** 48 bits: with the 3,000 ids a state holds, the chance that a new id collides is below 1 in 10^10. */
export const HASH_BYTES = 6;

/** A change's digest: the parts joined with NUL, which no key, ETag or number contains. */
export function digest(...parts: readonly (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** The short hash a set keeps, as a hex string (a Map key). */
export function shortHash(full: Buffer): string {
  return full.subarray(0, HASH_BYTES).toString('hex');
}

function unpack(encoded: string | undefined, width: number, what: string): Buffer {
  const bytes = Buffer.from(encoded ?? '', 'base64');
  if (bytes.length % width !== 0) throw new Error(`The state's ${what} is damaged: ${bytes.length} bytes is not a whole number of ${width}-byte records.`);
  return bytes;
}

/** Hashes with the second each object is dated, so the set can forget what falls behind the window. */
export class DatedHashes {
  static readonly WIDTH = HASH_BYTES + 4;
  readonly #dates = new Map<string, number>();

  static decode(encoded: string | undefined): DatedHashes {
    const bytes = unpack(encoded, DatedHashes.WIDTH, 'set of sent events');
    const set = new DatedHashes();
    for (let at = 0; at < bytes.length; at += DatedHashes.WIDTH) {
      set.#dates.set(bytes.toString('hex', at, at + HASH_BYTES), bytes.readUInt32BE(at + HASH_BYTES));
    }
    return set;
  }

  get size(): number {
    return this.#dates.size;
  }

  has(hash: string): boolean {
    return this.#dates.has(hash);
  }

  add(hash: string, time: number): void {
    this.#dates.set(hash, time);
  }

  /** Forgets the oldest entries beyond `capacity`; returns the newest date forgotten, if any. */
  shrinkTo(capacity: number): number | undefined {
    if (this.#dates.size <= capacity) return undefined;
    const oldest = [...this.#dates].sort((a, b) => a[1] - b[1]).slice(0, this.#dates.size - capacity);
    for (const [hash] of oldest) this.#dates.delete(hash);
    return oldest.at(-1)![1];
  }

  /** Forgets entries dated before `time`: no later sweep considers them. */
  forgetBefore(time: number): void {
    for (const [hash, date] of this.#dates) if (date < time) this.#dates.delete(hash);
  }

  encode(): string {
    const entries = [...this.#dates].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    const bytes = Buffer.alloc(entries.length * DatedHashes.WIDTH);
    entries.forEach(([hash, date], i) => {
      bytes.write(hash, i * DatedHashes.WIDTH, HASH_BYTES, 'hex');
      bytes.writeUInt32BE(date, i * DatedHashes.WIDTH + HASH_BYTES);
    });
    return bytes.toString('base64');
  }
}

/** A multipart upload the trigger follows until its object has been sent or a full sweep has passed. */
export interface UploadRecord {
  /** shortHash of the full key. */
  key: string;
  /** When it was initiated, in S3's seconds: the date its object will carry. */
  initiated: number;
  /** S3's time when the upload was first missing from ListMultipartUploads; 0 while it is in progress. */
  goneAt: number;
  /** Its object has been sent. */
  sent: boolean;
}

const UPLOAD_WIDTH = HASH_BYTES + 4 + 4 + 1;

export function decodeUploads(encoded: string | undefined): UploadRecord[] {
  const bytes = unpack(encoded, UPLOAD_WIDTH, 'multipart uploads');
  const records: UploadRecord[] = [];
  for (let at = 0; at < bytes.length; at += UPLOAD_WIDTH) {
    records.push({
      key: bytes.toString('hex', at, at + HASH_BYTES),
      initiated: bytes.readUInt32BE(at + HASH_BYTES),
      goneAt: bytes.readUInt32BE(at + HASH_BYTES + 4),
      sent: bytes[at + HASH_BYTES + 8] === 1,
    });
  }
  return records;
}

export function encodeUploads(records: readonly UploadRecord[]): string {
  const bytes = Buffer.alloc(records.length * UPLOAD_WIDTH);
  records.forEach((record, i) => {
    const at = i * UPLOAD_WIDTH;
    bytes.write(record.key, at, HASH_BYTES, 'hex');
    bytes.writeUInt32BE(record.initiated, at + HASH_BYTES);
    bytes.writeUInt32BE(record.goneAt, at + HASH_BYTES + 4);
    bytes[at + HASH_BYTES + 8] = record.sent ? 1 : 0;
  });
  return bytes.toString('base64');
}

/** Plain 6-byte hashes in order (ordered mode's recent keys). */
export function decodeHashes(encoded: string | undefined): string[] {
  const bytes = unpack(encoded, HASH_BYTES, 'recent keys');
  const hashes: string[] = [];
  for (let at = 0; at < bytes.length; at += HASH_BYTES) hashes.push(bytes.toString('hex', at, at + HASH_BYTES));
  return hashes;
}

export function encodeHashes(hashes: readonly string[]): string {
  return Buffer.from(hashes.join(''), 'hex').toString('base64');
}
