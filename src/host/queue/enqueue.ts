/**
 * A sharded run, from the machine that starts it: split the prefix (splitPrefix, one listing pass),
 * enqueue the ranges as one BullMQ flow (the run's job waits for its range jobs, then sums them up),
 * follow the workers' progress through BullMQ's queue events, and cancel on request.
 */
import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import type { SplitPrefixOutput } from '../../generated/actions/splitPrefix.output.js';
import type { Progress } from '../core/connector.js';
import { HostError } from '../core/errors.js';
import type { LogSink } from '../core/logger.js';
import type { Host } from '../core/run.js';
import {
  belongsTo,
  cancelKey,
  connectionRef,
  JOB_NAMES,
  KEY_PREFIX,
  newRunId,
  QUEUE_NAME,
  RANGE_JOB_OPTIONS,
  rangeJobId,
  RUN_JOB_OPTIONS,
  SHARDED_ACTION,
  SPLIT_ACTION,
  type RangeJobData,
  type RangeResult,
  type RunJobData,
  type RunSummary,
} from './jobs.js';
import { checkRedis, type RedisTarget } from './redis.js';

/**
 * Images one job looks at, when the input sets no `limit`: a job is what a stalled job's retry redoes
 * (skipping what is written) and how often the summary's counts move. Smaller than resizeMany's own
 * default of 1,000; the queue costs a handful of Redis round trips per job.
 */
export const DEFAULT_IMAGES_PER_JOB = 250;

/** A cancelled run's flag outlives any job of it. */
const CANCEL_FLAG_SECONDS = 7 * 24 * 3600;

/** How often the overall progress is reported. */
const REPORT_EVERY_MS = 500;

export interface RunProgress {
  /** Images looked at: resized, up to date or failed, in finished and running jobs. */
  done: number;
  /** Images the split counted. */
  total: number;
  /** Of finished jobs. */
  processed: number;
  skipped: number;
  failed: number;
  imagesPerSecond: number;
  /** Jobs some worker is running now. */
  running: number;
  cancelling: boolean;
}

export interface ShardedRunOptions {
  /** A saved connection's name or id. */
  connection: string;
  input: Record<string, unknown>;
  shards: number;
  /** Aborts the split, or once the run is queued, cancels it: every worker stops its jobs of the run. */
  signal: AbortSignal;
  log?: LogSink;
  onSplitProgress?: (p: Progress) => void;
  onQueued?: (run: { run: string; ranges: number; total: number }) => void;
  onProgress?: (p: RunProgress) => void;
}

/** The `extensions` resizeMany takes by default, so the split balances on the same images. */
function defaultExtensions(host: Host): unknown {
  const schema = host.connector.actions.find((a) => a.id === SHARDED_ACTION)?.inputSchema as { properties?: { extensions?: { default?: unknown } } } | undefined;
  return schema?.properties?.extensions?.default;
}

function checkInput(host: Host, input: Record<string, unknown>): void {
  if (input.continuationToken !== undefined) {
    throw new HostError('Usage', 'A sharded run covers its whole prefix (or key range): drop `continuationToken` from --input. To resume a stopped run, run it again: it skips every image already done.');
  }
  const errors = host.connector.validateInput(SHARDED_ACTION, input);
  if (errors.length > 0) throw new HostError('InvalidInput', errors.join(' '), { details: { errors: errors.map((message) => ({ message })) } });
}

export async function runSharded(host: Host, target: RedisTarget, options: ShardedRunOptions): Promise<RunSummary> {
  const { input, signal } = options;
  checkInput(host, input);
  const saved = host.store.resolve(options.connection);
  // Workers find the connection by name (ids differ between machines' stores) and check its fingerprint.
  const connection = connectionRef(saved.name, (await host.connection(saved.id)).values);
  await checkRedis(target);

  const split = (await host.run(
    SPLIT_ACTION,
    saved.id,
    {
      ...(input.prefix === undefined ? {} : { prefix: input.prefix }),
      parts: options.shards,
      extensions: input.extensions ?? defaultExtensions(host),
      ...(input.startAfter === undefined ? {} : { startAfter: input.startAfter }),
      ...(input.endBefore === undefined ? {} : { endBefore: input.endBefore }),
    },
    { signal, ...(options.log ? { log: options.log } : {}), ...(options.onSplitProgress ? { progress: options.onSplitProgress } : {}) },
  )) as SplitPrefixOutput;

  const bullmq = { connection: target.options, prefix: KEY_PREFIX };
  const events = new QueueEvents(QUEUE_NAME, bullmq);
  const flow = new FlowProducer(bullmq);
  const queue = new Queue(QUEUE_NAME, bullmq);
  const closeAll = () => Promise.all([events.close(), flow.close(), queue.close()]);
  try {
    // Listening before the jobs exist: no event of the run is missed.
    await events.waitUntilReady();
    const run = newRunId();
    const limit = input.limit ?? DEFAULT_IMAGES_PER_JOB;
    const node = await flow.add({
      name: JOB_NAMES.run,
      queueName: QUEUE_NAME,
      data: { run, ranges: split.ranges.length, total: split.total } satisfies RunJobData,
      opts: { ...RUN_JOB_OPTIONS, jobId: run },
      children: split.ranges.map(({ startAfter, endBefore }, range) => ({
        name: JOB_NAMES.range,
        queueName: QUEUE_NAME,
        data: {
          run,
          range,
          part: 0,
          connection,
          input: { ...input, limit, ...(startAfter === undefined ? {} : { startAfter }), ...(endBefore === undefined ? {} : { endBefore }) },
        } satisfies RangeJobData,
        opts: { ...RANGE_JOB_OPTIONS, jobId: rangeJobId(run, range, 0) },
      })),
    });
    options.onQueued?.({ run, ranges: split.ranges.length, total: split.total });

    const started = Date.now();
    const finished = { processed: 0, skipped: 0, failed: 0 };
    const running = new Map<string, number>();
    let cancelling = false;
    const isRange = (jobId: string) => jobId !== run && belongsTo(run, jobId);
    events.on('active', ({ jobId }) => isRange(jobId) && running.set(jobId, 0));
    events.on('progress', ({ jobId, data }) => isRange(jobId) && running.set(jobId, (data as { done?: number }).done ?? 0));
    events.on('completed', ({ jobId, returnvalue }) => {
      if (!isRange(jobId)) return;
      running.delete(jobId);
      const result = returnvalue as unknown as RangeResult;
      finished.processed += result.processed;
      finished.skipped += result.skipped;
      finished.failed += result.failed;
    });
    events.on('failed', ({ jobId }) => isRange(jobId) && running.delete(jobId));
    const report = () => {
      let inFlight = 0;
      for (const done of running.values()) inFlight += done;
      const done = finished.processed + finished.skipped + finished.failed + inFlight;
      const seconds = (Date.now() - started) / 1000;
      options.onProgress?.({ ...finished, done, total: split.total, imagesPerSecond: seconds > 0 ? done / seconds : 0, running: running.size, cancelling });
    };
    const timer = setInterval(report, REPORT_EVERY_MS);

    const cancel = () => {
      cancelling = true;
      cancelRun(queue, run).catch((error: Error) => options.log?.('error', `Cancelling the run failed: ${error.message}`));
    };
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
    try {
      return (await node.job.waitUntilFinished(events)) as RunSummary;
    } finally {
      signal.removeEventListener('abort', cancel);
      clearInterval(timer);
      report();
    }
  } finally {
    await closeAll();
  }
}

/**
 * Cancels a run: its flag fails every range job that starts from now on, and within a second each
 * worker aborts the run's running jobs through their signal (they stop after the images in flight).
 */
export async function cancelRun(queue: Queue, run: string): Promise<void> {
  const redis = await queue.getBackend().client;
  await redis.set(cancelKey(run), '1', { EX: CANCEL_FLAG_SECONDS });
}
