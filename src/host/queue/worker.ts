/**
 * A worker of sharded runs: BullMQ fetches the jobs, holds their locks and hands stalled ones (a
 * worker that died) to another worker, retries retryable failures with backoff, and aborts a job
 * through its signal (worker.cancelJob) when the run is cancelled. This module only runs the action
 * for a range with the connection this worker decrypts from its own store, carries the range on when
 * it is cut, and watches the run's cancel flag.
 */
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Progress } from '../core/connector.js';
import { errorInfo } from '../core/errors.js';
import type { LogSink } from '../core/logger.js';
import type { Host } from '../core/run.js';
import {
  cancelKey,
  connectionRef,
  failureReason,
  JOB_NAMES,
  KEY_PREFIX,
  QUEUE_NAME,
  RANGE_JOB_OPTIONS,
  rangeJobId,
  SHARDED_ACTION,
  summarize,
  type ConnectionRef,
  type RangeJobData,
  type RangeResult,
  type RunJobData,
  type RunSummary,
} from './jobs.js';
import type { RedisTarget } from './redis.js';

export interface WorkerSettings {
  /** Jobs at once in this process (each resizes several images side by side). */
  concurrency: number;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it): a worker that dies
   * loses its jobs to another worker after about this long plus a stalled check.
   */
  lockDurationMs: number;
  /** One line per finished job, and the connector's log lines. */
  log: (line: string) => void;
  /** The connector's own log lines, secrets masked. */
  connectorLog?: LogSink;
}

export interface RunningWorker {
  /** Stops taking jobs, aborts the running ones (whole images only) and gives them back to the queue. */
  stop(): Promise<void>;
}

/** BullMQ's default, and what a worker on a loaded machine needs: a lock must outlive event-loop stalls. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;

/** At most one progress update per job and second: each is a Redis round trip and an event. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * How often a running job reads its run's cancel flag (one GET). A poll rather than a subscription to
 * queue events: it costs one command per running job and second, where an event stream read by every
 * worker would cost every worker a read for every event of every job.
 */
const CANCEL_CHECK_MS = 1_000;

/** Why a job's signal was aborted. */
const REASONS = { cancelled: 'cancelled', shutdown: 'shutdown', lockLost: 'lock lost' } as const;

/** How often a job may be found stalled (its worker gone) and handed on before it fails. */
const MAX_STALLED = 2;

/** The counts only: what else the action returns (such as every key it wrote) need not sit in Redis. */
function countsOf(output: unknown): RangeResult {
  const o = output as Partial<RangeResult>;
  return {
    processed: o.processed ?? 0,
    skipped: o.skipped ?? 0,
    failed: o.failed ?? 0,
    written: o.written ?? 0,
    ignored: o.ignored ?? 0,
    failures: (o.failures ?? []).map(({ key, code, message }) => ({ key, code, message })),
  };
}

function countsLine(result: RangeResult): string {
  return `${result.processed} resized, ${result.skipped} up to date, ${result.failed} failed`;
}

export async function startWorker(host: Host, target: RedisTarget, settings: WorkerSettings): Promise<RunningWorker> {
  const connection = target.options;
  const queue = new Queue(QUEUE_NAME, { connection, prefix: KEY_PREFIX });
  const redis = await queue.getBackend().client;
  const cancelled = async (run: string) => (await redis.get(cancelKey(run))) !== null;

  /** The saved connection the job names, from this worker's store, checked to point where the run's did. */
  async function connectionFor(ref: ConnectionRef): Promise<Record<string, unknown>> {
    let values: Record<string, unknown>;
    try {
      ({ values } = await host.connection(ref.name));
    } catch (error) {
      const info = errorInfo(error);
      throw new UnrecoverableError(
        failureReason(
          'Setup',
          info?.code === 'Usage'
            ? `This worker has no saved connection named "${ref.name}". Save it on this machine with \`s3-connector connections add --name "${ref.name}"\`, or point S3_CONNECTOR_HOME at the store the run was queued from.`
            : (info?.message ?? String(error)),
        ),
      );
    }
    if (connectionRef(ref.name, values).fingerprint !== ref.fingerprint) {
      throw new UnrecoverableError(
        failureReason(
          'Setup',
          `This worker's saved connection "${ref.name}" points elsewhere than the one the run was queued with (its access key ID, bucket, region, endpoint or base path differ). Save the same connection on every machine, or share one store.`,
        ),
      );
    }
    return values;
  }

  /** The error BullMQ should see: retried (with backoff) only when the connector says it is worth it. */
  async function jobError(error: unknown, job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<Error> {
    if (signal?.aborted && signal.reason === REASONS.shutdown) {
      // Back to the queue as it was: the next worker resumes the range, skipping what is written.
      await job.moveToWait(token);
      return new WaitingError();
    }
    if (signal?.aborted && signal.reason === REASONS.cancelled) return new UnrecoverableError(failureReason('Aborted', 'The run was cancelled.'));
    const info = errorInfo(error);
    if (!info) return error instanceof Error ? error : new Error(String(error));
    const reason = failureReason(info.code, info.message);
    return info.retryable ? new Error(reason) : new UnrecoverableError(reason);
  }

  async function runRange(job: Job<RangeJobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<RangeResult> {
    const data = job.data;
    if (await cancelled(data.run)) throw new UnrecoverableError(failureReason('Aborted', 'The run was cancelled before this part started.'));
    const watch = setInterval(() => {
      cancelled(data.run).then(
        (yes) => yes && worker.cancelJob(job.id!, REASONS.cancelled),
        () => {},
      );
    }, CANCEL_CHECK_MS);
    let output: unknown;
    try {
      const values = await connectionFor(data.connection);
      let reported = 0;
      const progress = ({ done }: Progress) => {
        const now = Date.now();
        if (now - reported < PROGRESS_EVERY_MS) return;
        reported = now;
        job.updateProgress({ done }).catch(() => {});
      };
      output = await host.run(SHARDED_ACTION, { values }, data.input, { ...(signal ? { signal } : {}), progress, ...(settings.connectorLog ? { log: settings.connectorLog } : {}) });
    } catch (error) {
      throw error instanceof UnrecoverableError ? error : await jobError(error, job, token, signal);
    } finally {
      clearInterval(watch);
    }
    const result = countsOf(output);
    const continuation = (output as { nextContinuationToken?: string }).nextContinuationToken;
    if (continuation !== undefined && job.parent) {
      // Added before this job completes, so the run never looks finished in between. The id is fixed
      // by the range and part: a retry of this job (its worker died after this line) adds nothing twice.
      const next = rangeJobId(data.run, data.range, data.part + 1);
      await queue.add(JOB_NAMES.range, { ...data, part: data.part + 1, input: { ...data.input, continuationToken: continuation } } satisfies RangeJobData, {
        ...RANGE_JOB_OPTIONS,
        jobId: next,
        parent: { id: job.parent.id!, queue: job.parent.queueKey },
      });
      result.next = next;
    }
    return result;
  }

  async function sumUp(job: Job<RunJobData>): Promise<RunSummary> {
    const [results, failures, wasCancelled] = await Promise.all([job.getChildrenValues<RangeResult>(), job.getIgnoredChildrenFailures(), cancelled(job.data.run)]);
    return summarize(job.data.run, results, failures, wasCancelled);
  }

  // The processor takes the signal (three parameters): BullMQ then gives each job an AbortController.
  const worker = new Worker(
    QUEUE_NAME,
    (job: Job, token?: string, signal?: AbortSignal) =>
      job.name === JOB_NAMES.run ? sumUp(job as Job<RunJobData>) : runRange(job as Job<RangeJobData>, token, signal),
    {
      connection,
      prefix: KEY_PREFIX,
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: Math.max(1_000, Math.round(settings.lockDurationMs / 2)),
      maxStalledCount: MAX_STALLED,
      autorun: false,
    },
  );

  // Another worker may already be redoing a job whose lock this one lost: stop writing at once.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) worker.cancelJob(jobId, REASONS.lockLost);
  });
  worker.on('completed', (job, result) => {
    if (job.name === JOB_NAMES.range) settings.log(`✔ ${job.id}: ${countsLine(result as RangeResult)}${(result as RangeResult).next ? `, continued as ${(result as RangeResult).next}` : ''}`);
    else settings.log(`✔ ${job.id}: summed up`);
  });
  worker.on('failed', (job, error) => {
    if (!job || error instanceof WaitingError || error.name === 'WaitingError') return;
    const willRetry = !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
    settings.log(`✖ ${job.id}: ${error.message}${willRetry ? ` (attempt ${job.attemptsMade} of ${job.opts.attempts}, retried with backoff)` : ''}`);
  });
  // Connection trouble is reported and retried by BullMQ and ioredis; it must not crash the process.
  worker.on('error', (error) => settings.log(`worker: ${error.message}`));
  queue.on('error', (error) => settings.log(`queue: ${error.message}`));

  await worker.waitUntilReady();
  void worker.run().catch((error: Error) => settings.log(`worker: ${error.message}`));

  return {
    async stop() {
      worker.cancelAllJobs(REASONS.shutdown);
      await worker.close();
      await queue.close();
    },
  };
}
