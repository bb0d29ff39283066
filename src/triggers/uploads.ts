/**
 * Multipart uploads under the prefix. S3 dates a multipart object from when its upload began, so an
 * upload that takes hours completes with a date far behind the watermark. One ListMultipartUploads per
 * poll notes each upload in progress; the object it completes fires whatever its date.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { RunContext } from '../action.js';
import { urlDecode } from '../listing.js';
import { MAX_UPLOADS_PER_LISTING, UPLOAD_CAPACITY } from './limits.js';
import { digest, shortHash, type UploadRecord } from './records.js';
import { sendTimed } from './server-time.js';
import type { Listed, Watch } from './watch.js';

export interface UploadsNow {
  /** S3's clock when it answered: the poll's "now". */
  serverTime: number;
  inProgress: UploadRecord[];
  warnings: string[];
}

const keyHash = (fullKey: string): string => shortHash(digest(fullKey));

/** One ListMultipartUploads of the watched prefix, with the uploads that pass the filters. */
export async function listUploads(ctx: RunContext, watch: Watch): Promise<UploadsNow> {
  const { output, serverTime } = await sendTimed(
    ctx,
    new ListMultipartUploadsCommand({ Bucket: ctx.bucket, ...(watch.prefix ? { Prefix: watch.prefix } : {}), MaxUploads: MAX_UPLOADS_PER_LISTING, EncodingType: 'url' }),
  );
  const encoded = output.EncodingType === 'url';
  const inProgress: UploadRecord[] = [];
  for (const upload of output.Uploads ?? []) {
    if (upload.Key === undefined || upload.Initiated === undefined) continue;
    const fullKey = encoded ? urlDecode(upload.Key) : upload.Key;
    if (!fullKey.startsWith(watch.prefix) || !watch.accepts(fullKey.slice(watch.prefix.length))) continue;
    inProgress.push({ key: keyHash(fullKey), initiated: Math.floor(upload.Initiated.getTime() / 1000), goneAt: 0, sent: false });
  }
  const warnings =
    output.IsTruncated === true
      ? [
          `More than ${MAX_UPLOADS_PER_LISTING.toLocaleString('en')} multipart uploads are in progress under "${watch.prefix}", and the trigger reads the first ${MAX_UPLOADS_PER_LISTING.toLocaleString('en')} S3 lists (by key) each poll: an upload beyond them that completes long after it began may not fire. Abort stale uploads, e.g. with a lifecycle rule (AbortIncompleteMultipartUpload).`,
        ]
      : [];
  return { serverTime, inProgress, warnings };
}

const id = (record: UploadRecord): string => `${record.key}:${record.initiated}`;

/**
 * The records after this poll's listing: uploads still listed stay in progress, those missing are
 * marked gone now (their object, if any, is in every listing from here on), new ones are added.
 * Beyond UPLOAD_CAPACITY the records that matter least go first: sent ones, then the oldest in progress
 * (abandoned uploads are the usual reason for so many).
 */
export function followUploads(records: readonly UploadRecord[], now: UploadsNow): { records: UploadRecord[]; warnings: string[] } {
  const listed = new Set(now.inProgress.map(id));
  const known = new Set(records.map(id));
  const next = records.map((record) => ({ ...record, goneAt: listed.has(id(record)) ? 0 : record.goneAt || now.serverTime }));
  for (const record of now.inProgress) if (!known.has(id(record))) next.push(record);
  if (next.length <= UPLOAD_CAPACITY) return { records: next, warnings: [] };
  const rank = (r: UploadRecord) => (r.sent ? 2 : r.goneAt ? 0 : 1);
  next.sort((a, b) => rank(a) - rank(b) || b.initiated - a.initiated);
  const dropped = next.splice(UPLOAD_CAPACITY).filter((r) => !r.sent).length;
  const warnings =
    dropped === 0
      ? []
      : [`More multipart uploads are in progress under the prefix than the ${UPLOAD_CAPACITY} the trigger's state follows: the oldest ${dropped.toLocaleString('en')} are not followed, and their objects fire only if they complete within the look-back window of when they began. Abort stale uploads, e.g. with a lifecycle rule (AbortIncompleteMultipartUpload).`];
  return { records: next, warnings };
}

/**
 * A lookup of the unsent upload an object completes: same key, dated (to the second, either way) when
 * the upload began. Indexed once per poll, since a sweep asks it of every object it lists.
 */
export function uploadFinder(records: readonly UploadRecord[]): (object: Listed) => UploadRecord | undefined {
  const byKey = new Map<string, UploadRecord[]>();
  for (const record of records) if (!record.sent) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record]);
  if (byKey.size === 0) return () => undefined;
  return (object) => byKey.get(keyHash(object.fullKey))?.find((r) => !r.sent && Math.abs(r.initiated - object.time) <= 1);
}

/**
 * At the end of a sweep that began at `sweepStart`: an upload sent, or gone before the sweep began
 * (so the sweep listed its object, if it completed), needs following no more.
 */
export function settleUploads(records: readonly UploadRecord[], sweepStart: number): UploadRecord[] {
  return records.filter((r) => r.goneAt === 0 || (!r.sent && r.goneAt > sweepStart));
}
