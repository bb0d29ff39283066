/**
 * What a sharded run puts in Redis, and nothing more: no secret ever. A run is a BullMQ flow: one
 * parent job (the run, which sums up its ranges once they are all done) and one child job per key
 * range; a range job that ends with a continuation token adds the next part of its range as a
 * sibling before it completes. A job names its connection by the saved connection's name and a
 * fingerprint of where it points; each worker decrypts that connection from its own store.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { ResizeManyOutput } from '../../generated/actions/resizeMany.output.js';

/** One queue for every sharded run; runs are told apart by their job ids. */
export const QUEUE_NAME = 's3-connector';
/** BullMQ's default key prefix, made explicit because the cancel flags live beside its keys. */
export const KEY_PREFIX = 'bull';

/** The action a run is sharded for: it takes a key range, a `limit` and a continuation token. */
export const SHARDED_ACTION = 'resizeMany';
/** What splits it: lists the prefix once and returns ranges of nearly equal count. */
export const SPLIT_ACTION = 'splitPrefix';

export const JOB_NAMES = { run: 'run', range: 'range' } as const;

const HOUR_SECONDS = 3600;

/** A range job: retried with backoff on retryable errors; once it fails for good, the run still sums up. */
export const RANGE_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  ignoreDependencyOnFailure: true,
  // Its result is kept in the run's own record; the job itself only has to outlive a retry of the part before it.
  removeOnComplete: { age: 24 * HOUR_SECONDS },
  removeOnFail: { age: 7 * 24 * HOUR_SECONDS },
} satisfies JobsOptions;

/** The run's job keeps the summary a week, for whoever asks again. */
export const RUN_JOB_OPTIONS = { removeOnComplete: { age: 7 * 24 * HOUR_SECONDS } } satisfies JobsOptions;

/** Names a saved connection without carrying any of it: workers decrypt it from their own store. */
export interface ConnectionRef {
  name: string;
  /** Of the contract's fields that say where the connection reads and writes, and as whom; never of a secret. */
  fingerprint: string;
}

export interface RangeJobData {
  run: string;
  range: number;
  /** 0 for the range's first job, then one more for each continuation. */
  part: number;
  connection: ConnectionRef;
  /** The action's input: the user's, with the range's bounds, `limit` and, after part 0, a continuation token. */
  input: Record<string, unknown>;
}

export interface RunJobData {
  run: string;
  ranges: number;
  /** Images counted by the split. */
  total: number;
}

export type ImageFailure = ResizeManyOutput['failures'][number];

/**
 * resizeMany's counts, as a range job returns them and a run's summary adds them up. Types only, from
 * the schema: erased at build time, like the contract's types the host shares.
 */
export type Counts = Pick<ResizeManyOutput, 'processed' | 'skipped' | 'failed' | 'written' | 'ignored' | 'failures'>;

/** What one range job returns: the action's counts, and the id of the job that carries on the range. */
export interface RangeResult extends Counts {
  next?: string;
}

export interface JobFailure {
  job: string;
  code: string;
  message: string;
}

export interface RunSummary extends Counts {
  run: string;
  /** Range jobs that completed or failed for good. */
  jobs: number;
  /** Range jobs that failed for good (after their retries): their ranges are not done. */
  failedJobs: JobFailure[];
  cancelled: boolean;
}

/** The contract fixes these field names (host contract, section 2): the fingerprint needs no schema. */
const IDENTITY_FIELDS = ['accessKeyId', 'bucket', 'region', 'endpoint', 'basePath'] as const;

export function connectionRef(name: string, values: Record<string, unknown>): ConnectionRef {
  const identity = JSON.stringify(IDENTITY_FIELDS.map((field) => values[field] ?? null));
  return { name, fingerprint: createHash('sha256').update(identity).digest('hex').slice(0, 16) };
}

/** BullMQ refuses ":" in custom ids, and plain integers. */
export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function rangeJobId(run: string, range: number, part: number): string {
  return `${run}.${range}.${part}`;
}

/** The jobs of a run: its own, and its ranges'. */
export function belongsTo(run: string, jobId: string | undefined): boolean {
  return jobId === run || (jobId?.startsWith(`${run}.`) ?? false);
}

/**
 * Set when a run is cancelled; a range job reads it before it starts and every second while it runs.
 * Under BullMQ's keys, so obliterating the queue removes it.
 */
export function cancelKey(run: string): string {
  return `${KEY_PREFIX}:${QUEUE_NAME}:cancelled:${run}`;
}

/** A failed job's reason, as BullMQ stores it: the error code first, so the summary can tell failures apart. */
export function failureReason(code: string, message: string): string {
  return `${code}: ${message}`;
}

function parseFailure(job: string, reason: string): JobFailure {
  const match = /^([A-Za-z]+): ([\s\S]*)$/.exec(reason);
  return match ? { job, code: match[1]!, message: match[2]! } : { job, code: 'Bug', message: reason };
}

/** The failures a summary lists, as resizeMany's own summary does. */
const MAX_FAILURES_LISTED = 100;

const byKey = (a: ImageFailure, b: ImageFailure) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Sums a run's range results (BullMQ's children values, keyed by job key) and the failures of the
 * range jobs that failed for good. Once a run is cancelled, its jobs stopped with Aborted on purpose.
 */
export function summarize(run: string, results: Record<string, RangeResult>, failures: Record<string, string>, cancelled: boolean): RunSummary {
  const summary: RunSummary = { run, processed: 0, skipped: 0, failed: 0, written: 0, ignored: 0, failures: [], jobs: 0, failedJobs: [], cancelled };
  for (const result of Object.values(results)) {
    summary.processed += result.processed;
    summary.skipped += result.skipped;
    summary.failed += result.failed;
    summary.written += result.written;
    summary.ignored += result.ignored;
    summary.failures.push(...result.failures);
    summary.jobs++;
  }
  const jobId = (key: string) => key.slice(key.lastIndexOf(':') + 1);
  for (const [key, reason] of Object.entries(failures)) {
    summary.jobs++;
    const failure = parseFailure(jobId(key), reason);
    if (!(cancelled && failure.code === 'Aborted')) summary.failedJobs.push(failure);
  }
  summary.failures = summary.failures.sort(byKey).slice(0, MAX_FAILURES_LISTED);
  summary.failedJobs.sort((a, b) => (a.job < b.job ? -1 : 1));
  return summary;
}
