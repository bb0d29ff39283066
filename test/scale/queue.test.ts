/**
 * Sharded resizeMany on BullMQ, as a user runs it: a real redis-server, the emulator, worker processes
 * (`s3-connector worker`) and the command that splits, queues and follows a run
 * (`s3-connector run resizeMany --queue`). Every PUT the emulator answers is counted on its side.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../src/emulator.js';
import { loadConnector } from '../../src/host/core/connector.js';
import { EXIT_CODES } from '../../src/host/core/errors.js';
import { ConnectionStore } from '../../src/host/core/store.js';
import { openHost } from '../../src/host/core/run.js';
import { runSharded } from '../../src/host/queue/enqueue.js';
import { QUEUE_NAME, type RunSummary } from '../../src/host/queue/jobs.js';
import { redisTarget } from '../../src/host/queue/redis.js';
import { DEFAULT_LOCK_DURATION_MS, startWorker as startWorkerInProcess } from '../../src/host/queue/worker.js';
import { useEmulator } from '../helpers/emulator.js';
import { getObject, photo, putObject } from '../helpers/images.js';
import { closedPort } from '../helpers/network.js';
import { eachLimit, rawClient } from '../helpers/seed.js';
import { PACKAGE_DIR, useTempDirs } from '../host/core/fixture.js';
import { startCli, stopCli, useRedis, watchPuts, type CliProcess } from './helpers.js';

const s3 = useEmulator();
const redis = useRedis();
const guarded = useRedis(['--requirepass', 'correct-horse-battery']);
const tempDir = useTempDirs('s3-scale-');
const puts = watchPuts(s3.bucket);
let client: ReturnType<typeof rawClient>;
/** The workers of the running describe block, stopped at its end so the next starts alone on the queue. */
let workers: CliProcess[] = [];

/** A home (a store of saved connections) holding the emulator connection as "Emulator", with its own key. */
async function homeWith(overrides: Record<string, unknown> = {}): Promise<string> {
  const home = tempDir();
  const store = await ConnectionStore.open(home);
  await store.create(await loadConnector(PACKAGE_DIR, { lazyEntry: true }), s3.connection({ name: 'Emulator', ...overrides }));
  return home;
}

async function startWorker(home: string, ...flags: string[]): Promise<CliProcess> {
  const worker = startCli(home, ['worker', '--queue', redis.url, ...flags]);
  workers.push(worker);
  await worker.waitFor(/^Worker ready/);
  return worker;
}

function queueRun(home: string, input: Record<string, unknown>, shards: number): CliProcess {
  return startCli(home, ['run', 'resizeMany', '--connection', 'Emulator', '--queue', redis.url, '--shards', String(shards), '--input', JSON.stringify(input)]);
}

async function finished(run: CliProcess): Promise<{ code: number | null; summary: RunSummary }> {
  const code = await run.exited;
  expect(run.stdout, run.stderr).not.toBe('');
  return { code, summary: JSON.parse(run.stdout) as RunSummary };
}

/** `count` small photo-like JPEGs, src/img-000.jpg... under `prefix`. */
async function seed(prefix: string, count: number): Promise<string[]> {
  const image = await photo(64, 64);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}src/img-${String(i).padStart(3, '0')}.jpg`);
  await eachLimit(keys, 16, (key) => putObject(client, s3.bucket, key, image));
  return keys;
}

/** The keys under `prefix`, from the emulator's listing. */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: s3.bucket, Prefix: prefix })) keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  return keys;
}

const outputOf = (prefix: string, source: string) => `${prefix}out/${source.slice(source.lastIndexOf('/') + 1)}`;

/** Every output decodes, at the size asked for: none is missing or cut short. */
async function expectWholeImages(keys: string[], width: number): Promise<void> {
  await eachLimit(keys, 8, async (key) => {
    const { meta } = await getObject(client, s3.bucket, key);
    expect([meta.format, meta.width, meta.height], key).toEqual(['jpeg', width, width]);
  });
}

beforeAll(() => {
  client = rawClient(s3.endpoint);
});

afterAll(() => client.destroy());

/** Stops the block's workers; each must exit cleanly. */
async function stopWorkers(): Promise<void> {
  const stopping = workers;
  workers = [];
  const codes = await Promise.all(stopping.map(stopCli));
  expect(codes.filter((code) => code !== 0 && code !== null)).toEqual([]);
}

describe('a sharded run on two worker processes', () => {
  afterAll(stopWorkers);
  const prefix = 'once/';
  const input = { prefix: `${prefix}src/`, sizes: ['32x32'], destinationKey: `${prefix}out/{name}.{ext}`, fit: 'cover', limit: 40 };
  let sources: string[];
  let shared: string;
  let first: { code: number | null; summary: RunSummary };
  let firstRun: CliProcess;
  let workerA: CliProcess;
  let workerB: CliProcess;

  beforeAll(async () => {
    sources = await seed(prefix, 320);
    await putObject(client, s3.bucket, `${prefix}src/broken.jpg`, Buffer.from('not a jpeg at all'));
    shared = await homeWith();
    // One worker shares the store of the machine that queues the run; the other has its own store
    // (another key), where the same connection was saved under the same name.
    [workerA, workerB] = await Promise.all([startWorker(shared), startWorker(await homeWith())]);
    firstRun = queueRun(shared, input, 6);
    first = await finished(firstRun);
  });

  it('resizes every image exactly once: one PUT per output, none twice', async () => {
    expect(first.code, first.summary ? JSON.stringify(first.summary) : '').toBe(0);
    expect(first.summary).toMatchObject({ processed: 320, skipped: 0, failed: 1, written: 320, failedJobs: [], cancelled: false });
    const outputs = sources.map((s) => outputOf(prefix, s)).sort();
    expect(await keysUnder(`${prefix}out/`)).toEqual(outputs);
    const counts = puts.counts(`${prefix}out/`);
    expect([...counts.keys()].sort()).toEqual(outputs);
    expect([...counts.entries()].filter(([, n]) => n !== 1), 'outputs PUT more than once').toEqual([]);
    await expectWholeImages(sources.slice(0, 12).map((s) => outputOf(prefix, s)), 32);
  });

  it('shares the work between both processes, ranges continued job after job', () => {
    // 6 ranges of about 53 images, 40 per job: each range takes two jobs.
    expect(first.summary.jobs).toBe(12);
    for (const worker of [workerA, workerB]) expect(worker.stderr).toMatch(/^✔ run-[^:]+\.\d+\.\d+: \d+ resized/m);
    expect(`${workerA.stderr}${workerB.stderr}`).toMatch(/continued as run-[^ ]+\.\d+\.1/);
  });

  it('shows the overall progress while it runs, then prints the summary', () => {
    expect(firstRun.stderr).toMatch(new RegExp(`^Queued run ${first.summary.run}: 321 images in 6 ranges on ${redis.url}\\.`, 'm'));
    expect(firstRun.stderr).toMatch(/^\d+\/321 \d+ resized, \d+ up to date, \d+ failed in finished jobs; [\d.]+ images\/s; \d+ jobs running$/m);
    expect(first.summary).toMatchObject({ run: expect.stringMatching(/^run-/), jobs: 12 });
  });

  it('reports the bad image in the summary and stops nothing', () => {
    expect(first.summary.failures).toEqual([
      { key: `${prefix}src/broken.jpg`, code: 'UnsupportedImage', message: expect.stringContaining(`${prefix}src/broken.jpg`) },
    ]);
  });

  it('skips everything when run again: no PUT at all', async () => {
    const before = [...puts.counts(`${prefix}out/`).values()].reduce((a, b) => a + b, 0);
    const rerun = await finished(queueRun(shared, input, 6));
    expect(rerun.code).toBe(0);
    expect(rerun.summary).toMatchObject({ processed: 0, skipped: 320, failed: 1, written: 0, failedJobs: [] });
    expect([...puts.counts(`${prefix}out/`).values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('puts no secret in Redis: jobs name the saved connection and a fingerprint', async () => {
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      const dump: unknown[] = [];
      for (const key of keys) {
        const type = await raw.type(key);
        if (type === 'string') dump.push(await raw.get(key));
        else if (type === 'hash') dump.push(await raw.hgetall(key));
        else if (type === 'list') dump.push(await raw.lrange(key, 0, -1));
        else if (type === 'set') dump.push(await raw.smembers(key));
        else if (type === 'zset') dump.push(await raw.zrange(key, 0, -1));
        else if (type === 'stream') dump.push(await raw.xrange(key, '-', '+'));
      }
      const text = JSON.stringify(dump);
      expect(text).not.toContain(EMULATOR_CREDENTIALS.secretAccessKey);
      expect(text).not.toContain(encodeURIComponent(EMULATOR_CREDENTIALS.secretAccessKey));
      const job = await raw.hget(`bull:${QUEUE_NAME}:${first.summary.run}.0.0`, 'data');
      expect(JSON.parse(job!)).toMatchObject({ connection: { name: 'Emulator', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    } finally {
      raw.disconnect();
    }
  });
});

describe('a worker killed mid-job', () => {
  afterAll(stopWorkers);
  const prefix = 'killed/';
  it('still completes the run: its job is handed to the other worker, nothing missing, nothing cut short', { timeout: 120_000 }, async () => {
    const sources = await seed(prefix, 120);
    const home = await homeWith();
    // Short locks, so the dead worker's job is found stalled within seconds.
    const [doomed] = await Promise.all([startWorker(home, '--lock-duration', '2000', '--concurrency', '2'), startWorker(home, '--lock-duration', '2000', '--concurrency', '2')]);
    const events = new QueueEvents(QUEUE_NAME, { connection: redisTarget(redis.url).options });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    try {
      // Six ranges of 20 images, one job each: when 30 are written, each worker is midway through two jobs.
      const run = queueRun(home, { prefix: `${prefix}src/`, sizes: ['32x32'], destinationKey: `${prefix}out/{name}.{ext}`, fit: 'cover', limit: 20 }, 6);
      await new Promise<void>((resolve) =>
        puts.onPut(() => {
          if (puts.counts(`${prefix}out/`).size >= 30 && doomed!.child.exitCode === null && doomed!.child.signalCode === null) {
            doomed!.child.kill('SIGKILL');
            resolve();
          }
        }),
      );
      const { code, summary } = await finished(run);
      expect(stalled.length, 'no job was running in the killed worker').toBeGreaterThan(0);
      expect(code).toBe(0);
      expect(summary).toMatchObject({ failed: 0, failedJobs: [], cancelled: false });
      // The dead worker's results are lost with it; its job's retry skipped what it had written.
      expect(summary.processed + summary.skipped).toBe(120);
      const outputs = sources.map((s) => outputOf(prefix, s));
      expect(await keysUnder(`${prefix}out/`)).toEqual(outputs.sort());
      await expectWholeImages(outputs, 32);
    } finally {
      await events.close();
    }
  });
});

describe('a worker stopped with Ctrl-C', () => {
  afterAll(stopWorkers);
  const prefix = 'handover/';
  it('gives its running jobs back to the queue at once, and another worker finishes them', { timeout: 60_000 }, async () => {
    const sources = await seed(prefix, 90);
    const home = await homeWith();
    // Default locks (30 s): only a handover, not a stalled-job recovery, lets the run end sooner.
    const leaving = await startWorker(home, '--concurrency', '2');
    const run = queueRun(home, { prefix: `${prefix}src/`, sizes: ['32x32'], destinationKey: `${prefix}out/{name}.{ext}`, fit: 'cover', limit: 15 }, 3);
    await new Promise<void>((resolve) =>
      puts.onPut(() => {
        if (puts.counts(`${prefix}out/`).size >= 20) resolve();
      }),
    );
    leaving.child.kill('SIGINT');
    expect(await leaving.exited).toBe(0);
    expect(leaving.stderr).toContain('Stopping: running jobs stop after the images in flight and go back to the queue for another worker');
    const stoppedAt = Date.now();
    expect(puts.counts(`${prefix}out/`).size, 'nothing was left to hand over').toBeLessThan(90);
    await startWorker(home);
    const { code, summary } = await finished(run);
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt, 'the jobs waited for their locks to expire').toBeLessThan(25_000);
    expect(summary).toMatchObject({ failed: 0, failedJobs: [] });
    expect(summary.processed + summary.skipped).toBe(90);
    expect(await keysUnder(`${prefix}out/`)).toEqual(sources.map((s) => outputOf(prefix, s)).sort());
  });
});

describe('cancelling a run', () => {
  afterAll(stopWorkers);
  const prefix = 'cancel/';
  it('stops both workers promptly, leaving only whole images', async () => {
    const sources = await seed(prefix, 150);
    const home = await homeWith();
    const [one, two] = await Promise.all([startWorker(home, '--concurrency', '2'), startWorker(home, '--concurrency', '2')]);
    const sizes = ['32x32', '24x24', '16x16'];
    // Four ranges of about 38 images, one job each: the cancel lands in the middle of all four.
    const run = queueRun(home, { prefix: `${prefix}src/`, sizes, destinationKey: `${prefix}out/{name}-{width}.{ext}`, fit: 'cover', limit: 50 }, 4);
    let cancelledAt = 0;
    await new Promise<void>((resolve) =>
      puts.onPut(() => {
        if (cancelledAt === 0 && puts.counts(`${prefix}out/`).size >= 45) {
          cancelledAt = Date.now();
          run.child.kill('SIGINT');
          resolve();
        }
      }),
    );
    const { code, summary } = await finished(run);
    const exitedAt = Date.now();
    expect(run.stderr).toContain('Cancelling: every worker stops its jobs of this run');
    expect(code).toBe(EXIT_CODES.Aborted);
    expect(summary).toMatchObject({ cancelled: true, failedJobs: [] });
    expect(exitedAt - cancelledAt, 'the run took too long to stop').toBeLessThan(15_000);
    // The workers stopped writing within seconds (a running job reads the cancel flag every second).
    expect(puts.last(`${prefix}out/`) - cancelledAt).toBeLessThan(5_000);
    // No PUT starts once the run has stopped.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(puts.last(`${prefix}out/`)).toBeLessThanOrEqual(exitedAt);
    const written = await keysUnder(`${prefix}out/`);
    expect(written.length).toBeLessThan(sources.length * sizes.length);
    // Each worker had two of the four jobs running, and stopped them midway through their signal;
    // the workers stay up for the next run.
    for (const worker of [one, two]) {
      expect(worker.stderr.match(/^✖ run-\S+: Aborted: The run was cancelled\.$/gm)).toHaveLength(2);
      expect(worker.child.exitCode).toBeNull();
    }
    const keys = written;
    await expectWholeImages(keys.filter((k) => k.endsWith('-32.jpg')), 32);
    await expectWholeImages(keys.filter((k) => k.endsWith('-24.jpg')), 24);
    await expectWholeImages(keys.filter((k) => k.endsWith('-16.jpg')), 16);
  });
});

/** The emulator behind a proxy that answers the first `failures` object GETs with S3's 503 SlowDown. */
async function slowDownProxy(endpoint: string, failures: number) {
  let left = failures;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && !request.url?.includes('list-type') && left > 0) {
      left--;
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const upstream = httpRequest(`${endpoint}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get left() {
      return left;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('retries and refusals, with a worker in this process', () => {
  const prefix = 'retries/';
  const input = { prefix: `${prefix}src/`, sizes: ['16x16'], destinationKey: `${prefix}out/{name}.{ext}` };
  const open = (home: string) => openHost({ connectorDir: PACKAGE_DIR, home, lazyEntry: true });

  /** Queues a run of one range from `queueHome`, with one worker on `workerHome`; its log lines too. */
  async function runWith(workerHome: string, queueHome?: string): Promise<{ summary: RunSummary; log: string[] }> {
    const target = redisTarget(redis.url);
    const log: string[] = [];
    const worker = await startWorkerInProcess(await open(workerHome), target, { concurrency: 1, lockDurationMs: DEFAULT_LOCK_DURATION_MS, log: (line) => log.push(line) });
    try {
      const summary = await runSharded(await open(queueHome ?? (await homeWith())), target, { connection: 'Emulator', input, shards: 1, signal: new AbortController().signal });
      return { summary, log };
    } finally {
      await worker.stop();
    }
  }

  beforeAll(() => seed(prefix, 3));

  it('retries a job that failed with a retryable error (S3 asked to slow down), with backoff, until it is done', async () => {
    const proxy = await slowDownProxy(s3.endpoint, 2);
    try {
      // No retry inside the connector: the job itself fails, and BullMQ retries it.
      const home = await homeWith({ endpoint: proxy.endpoint, maxAttempts: 1 });
      const { summary, log } = await runWith(home, home);
      expect(proxy.left).toBe(0);
      // The attempt that counts is the last: it skips what the failed one had written.
      expect(summary).toMatchObject({ failed: 0, failedJobs: [], jobs: 1 });
      expect(summary.processed + summary.skipped).toBe(3);
      expect(log[0]).toMatch(/^✖ run-\S+\.0\.0: Throttled: .* \(attempt 1 of 5, retried with backoff\)$/);
      expect(log.at(-2)).toMatch(/^✔ run-\S+\.0\.0: \d resized, \d up to date, 0 failed$/);
      expect(await keysUnder(`${prefix}out/`)).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it('fails a job at once, without retrying, when the error is not retryable (a wrong secret)', async () => {
    // The fingerprint names no secret: the connection matches, and S3 refuses the secret.
    const { summary, log } = await runWith(await homeWith({ secretAccessKey: 'wrong-secret-for-the-emulator-000000000' }));
    expect(summary.failedJobs).toMatchObject([{ code: 'InvalidCredentials' }]);
    expect(log.filter((line) => line.startsWith('✖'))).toHaveLength(1);
    expect(log.join('\n')).not.toContain('retried with backoff');
    expect(log.join('\n')).not.toContain('wrong-secret-for-the-emulator');
  });

  it('refuses a job whose saved connection points elsewhere, and says how to fix it', async () => {
    const { summary } = await runWith(await homeWith({ basePath: 'tenant-b/' }));
    expect(summary).toMatchObject({ processed: 0, jobs: 1 });
    expect(summary.failedJobs).toEqual([
      {
        job: `${summary.run}.0.0`,
        code: 'Setup',
        message: 'This worker\'s saved connection "Emulator" points elsewhere than the one the run was queued with (its access key ID, bucket, region, endpoint or base path differ). Save the same connection on every machine, or share one store.',
      },
    ]);
  });

  it('refuses a job whose connection this worker has not saved', async () => {
    const { summary } = await runWith(tempDir());
    expect(summary.failedJobs).toMatchObject([{ code: 'Setup', message: expect.stringContaining('This worker has no saved connection named "Emulator"') }]);
  });
});

describe('the command line', () => {
  it('refuses what a queue cannot run, and says what to run instead', async () => {
    const home = tempDir();
    const cases = [
      startCli(home, ['worker']),
      startCli(home, ['worker', '--queue', 'http://127.0.0.1:1']),
      startCli(home, ['run', 'list', '--connection', 'Emulator', '--queue', 'redis://127.0.0.1:1']),
      startCli(home, ['run', 'resizeMany', '--connection', 'Emulator', '--queue', 'redis://127.0.0.1:1', '--shards', '0']),
    ];
    await Promise.all(cases.map((c) => c.exited));
    expect(cases.map((c) => c.child.exitCode)).toEqual([EXIT_CODES.Usage, EXIT_CODES.Usage, EXIT_CODES.Usage, EXIT_CODES.Usage]);
    expect(cases[0]!.stderr).toContain('`worker` needs --queue <redis-url>, e.g. --queue redis://127.0.0.1:6379.');
    expect(cases[1]!.stderr).toContain('Expected --queue to start with redis:// (or rediss:// for TLS) but received "http://127.0.0.1:1".');
    expect(cases[2]!.stderr).toContain('Only resizeMany runs on a queue');
    expect(cases[3]!.stderr).toContain('Expected an integer between 1 and 1000 for --shards but received "0".');
  });

  it('says when Redis refuses the password, and takes it from the environment too', async () => {
    const port = new URL(guarded.url).port;
    const wrong = startCli(tempDir(), ['worker', '--queue', `redis://:wrong-password@127.0.0.1:${port}`]);
    expect(await wrong.exited).toBe(EXIT_CODES.InvalidCredentials);
    expect(wrong.stderr).toContain(`Redis at redis://:***@127.0.0.1:${port} refused the credentials`);
    expect(wrong.stderr).not.toContain('wrong-password');
    const right = startCli(tempDir(), ['worker', '--queue', guarded.url], { S3_CONNECTOR_REDIS_PASSWORD: 'correct-horse-battery' });
    await right.waitFor(/^Worker ready/);
    expect(await stopCli(right)).toBe(0);
  });

  it('says when Redis cannot be reached, without showing its password', async () => {
    const port = await closedPort();
    const worker = startCli(tempDir(), ['worker', '--queue', `redis://user:hunter2-secret@127.0.0.1:${port}`]);
    expect(await worker.exited).toBe(EXIT_CODES.Network);
    expect(worker.stderr).toContain(`Cannot reach Redis at redis://user:***@127.0.0.1:${port}`);
    expect(worker.stderr).not.toContain('hunter2-secret');
  });
});
