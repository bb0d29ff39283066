/**
 * The trigger's bounds. The host contract (section 5) caps a trigger's state at 64 KiB serialized, so
 * every set the state keeps has a fixed capacity, chosen so that all of them full at once, with
 * 1,024-byte keys (S3's longest), still fit: test/triggers/state-size.test.ts measures that case.
 */

/** Host contract 1.1, section 5: the state, serialized, is at most 64 KiB. */
export const MAX_STATE_BYTES = 64 * 1024;

/** scan: event ids remembered inside the look-back window (10 bytes each: 40,000 base64 characters). */
export const SEEN_CAPACITY = 3_000;

/** scan: multipart uploads in progress followed at once (15 bytes each: 6,000 base64 characters). */
export const UPLOAD_CAPACITY = 300;

/**
 * ListMultipartUploads returns at most 1,000 uploads per request, and the trigger makes one per poll.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
 */
export const MAX_UPLOADS_PER_LISTING = 1000;

/** backfillSince: objects released per poll, oldest first. */
export const BACKFILL_BATCH = 100;

/** backfillSince (scan): the batch a sweep collects, serialized, so that long keys cannot overflow the state. */
export const BACKFILL_BATCH_BYTES = 12_000;

/** ordered: the recent keys kept, serialized; with long keys fewer than `bufferKeys` fit, and the trigger says so. */
export const RECENT_KEYS_BYTES = 48_000;

/** sample: how many recent objects "Test trigger" shows. */
export const SAMPLE_SIZE = 5;

/** sample: listing requests at most (1,000 keys each), so "Test trigger" answers quickly on a huge prefix. */
export const SAMPLE_MAX_PAGES = 25;
