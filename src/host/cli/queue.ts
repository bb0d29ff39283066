/**
 * The CLI's sharded runs on BullMQ: `run resizeMany --queue <redis-url> [--shards N]` splits and queues
 * a run and follows it to its summary; `worker --queue <redis-url>` runs the queued jobs. The queue
 * modules (and BullMQ) load only here, so every other command starts without them.
 */
import type { RunProgress } from '../queue/enqueue.js';
import { EXIT_CODES, exitCodeFor } from '../core/errors.js';
import type { LogLevel } from '../core/logger.js';
import { cancelOnSigint, openHost } from '../core/run.js';
import { BIN, usageError } from './args.js';
import type { Cli } from './commands.js';
import { jsonArgument } from './input.js';
import { progressView } from './progress.js';

/** Ranges when --shards is not given: a few per job that 2-4 workers run at once, so none waits idle at the end. */
const DEFAULT_SHARDS = 16;
/** splitPrefix's own ceiling. */
const MAX_SHARDS = 1000;
const MAX_CONCURRENCY = 64;
/** Without a terminal, a progress line at most this often, for logs. */
const LOG_PROGRESS_EVERY_MS = 5_000;

function integerFlag(cli: Cli, flag: 'shards' | 'concurrency' | 'lock-duration', fallback: number, min: number, max: number): number {
  const raw = cli.flags[flag];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw usageError(`Expected an integer between ${min} and ${max} for --${flag} but received "${raw}".`);
  return value;
}

function queueFlag(cli: Cli, command: string): string {
  if (!cli.flags.queue) throw usageError(`\`${command}\` needs --queue <redis-url>, e.g. --queue redis://127.0.0.1:6379.`);
  return cli.flags.queue;
}

/** Log lines on stderr: warnings and errors always, debug and info with --verbose. */
function logSink(cli: Cli, write: (line: string) => void) {
  return (level: LogLevel, msg: string, data?: unknown) => {
    if (!cli.flags.verbose && (level === 'debug' || level === 'info')) return;
    write(`[${level}] ${msg}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`);
  };
}

function describeProgress(p: RunProgress): string {
  const rate = p.imagesPerSecond.toFixed(1);
  const state = p.cancelling ? 'cancelling, ' : '';
  return `${state}${p.processed} resized, ${p.skipped} up to date, ${p.failed} failed in finished jobs; ${rate} images/s; ${p.running} jobs running`;
}

export async function queuedRunCommand(cli: Cli, [actionId, ...rest]: string[]): Promise<number> {
  const { SHARDED_ACTION } = await import('../queue/jobs.js');
  if (actionId !== SHARDED_ACTION || rest.length > 0) throw usageError(`Only ${SHARDED_ACTION} runs on a queue: \`run ${SHARDED_ACTION} --connection <name> --queue <redis-url>\`.`);
  if (!cli.flags.connection) throw usageError('`run` needs --connection <name|id>: see `connections list`.');
  const queue = queueFlag(cli, `run ${SHARDED_ACTION}`);
  const shards = integerFlag(cli, 'shards', DEFAULT_SHARDS, 1, MAX_SHARDS);
  const input = cli.flags.input === undefined ? {} : await jsonArgument('input', cli.flags.input, cli.io.stdin);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw usageError('--input must be a JSON object.');
  const [{ runSharded }, { redisTarget }] = await Promise.all([import('../queue/enqueue.js'), import('../queue/redis.js')]);
  const target = redisTarget(queue, cli.io.env);
  const host = await openHost({ connectorDir: cli.connectorDir, home: cli.home, env: cli.io.env, lazyEntry: true });

  const stderr = cli.io.stderr;
  const line = (text: string) => stderr.write(`${text}\n`);
  const view = progressView(stderr);
  let lastLine = 0;
  const show = (done: number, total: number | undefined, message: string) => {
    view.update({ done, ...(total === undefined ? {} : { total }), message });
    if (!stderr.isTTY && Date.now() - lastLine >= LOG_PROGRESS_EVERY_MS) {
      lastLine = Date.now();
      line(`${done}${total === undefined ? '' : `/${total}`} ${message}`);
    }
  };
  const cancel = cancelOnSigint(() => {
    view.stop();
    line('\nCancelling: every worker stops its jobs of this run after the images in flight (Ctrl-C again to quit at once)…');
  });
  try {
    const summary = await runSharded(host, target, {
      connection: cli.flags.connection,
      input: input as Record<string, unknown>,
      shards,
      signal: cancel.signal,
      log: logSink(cli, (text) => view.log(text)),
      onSplitProgress: (p) => show(p.done, undefined, 'keys listed to split the prefix'),
      onQueued: ({ run, ranges, total }) => {
        view.stop();
        line(`Queued run ${run}: ${total} images in ${ranges} ranges on ${target.shown}. Start workers with: ${BIN} worker --queue <redis-url>`);
        lastLine = 0;
      },
      onProgress: (p) => show(p.done, p.total, describeProgress(p)),
    });
    view.stop();
    cli.io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (summary.cancelled) return EXIT_CODES.Aborted;
    const failed = summary.failedJobs[0];
    return failed ? exitCodeFor(failed.code) : EXIT_CODES.ok;
  } finally {
    view.stop();
    cancel.dispose();
  }
}

export async function workerCommand(cli: Cli, rest: string[]): Promise<number> {
  if (rest.length > 0) throw usageError('`worker` takes no arguments: `worker --queue <redis-url> [--concurrency N]`.');
  const queue = queueFlag(cli, 'worker');
  const concurrency = integerFlag(cli, 'concurrency', 1, 1, MAX_CONCURRENCY);
  const [{ startWorker, DEFAULT_LOCK_DURATION_MS }, { redisTarget, checkRedis }, { QUEUE_NAME }] = await Promise.all([
    import('../queue/worker.js'),
    import('../queue/redis.js'),
    import('../queue/jobs.js'),
  ]);
  const lockDurationMs = integerFlag(cli, 'lock-duration', DEFAULT_LOCK_DURATION_MS, 1_000, 3_600_000);
  const target = redisTarget(queue, cli.io.env);
  await checkRedis(target);
  const host = await openHost({ connectorDir: cli.connectorDir, home: cli.home, env: cli.io.env, lazyEntry: true });
  const line = (text: string) => cli.io.stderr.write(`${text}\n`);
  const worker = await startWorker(host, target, { concurrency, lockDurationMs, log: line, connectorLog: logSink(cli, line) });
  line(`Worker ready: queue "${QUEUE_NAME}" on ${target.shown}, ${concurrency} job${concurrency === 1 ? '' : 's'} at once, saved connections from ${host.store.dir}. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      // A second signal quits at once: the jobs then go back to the queue when their locks expire.
      process.once('SIGINT', () => process.exit(EXIT_CODES.Aborted));
      process.once('SIGTERM', () => process.exit(EXIT_CODES.Aborted));
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  line('Stopping: running jobs stop after the images in flight and go back to the queue for another worker…');
  await worker.stop();
  line('Worker stopped.');
  return EXIT_CODES.ok;
}
