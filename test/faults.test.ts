/**
 * The fault matrix: the connector between a hostile network (the loopback fault proxy) and the
 * emulator, run many times with seeded random faults, each run checked against what S3 really
 * holds afterwards. Bounded in count and time; `npm run bench -- faults` runs it bigger and prints
 * the figures (FAULT_SCALE multiplies the run counts, FAULT_REPORT names the JSON file written).
 */
import { createHash, randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_CACHE_SIZE, cachedClientCount } from '../src/connection/client.js';
import { actions } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { startFaultProxy, type Fault, type FaultProxy, type Framing, type ProxiedRequest } from './helpers/fault-proxy.js';
import { memoryFiles } from './helpers/files.js';
import { peakRss } from './helpers/peak-rss.mjs';
import { eachLimit, rawClient } from './helpers/seed.js';

const SCALE = Number(process.env.FAULT_SCALE ?? 1);
const SEED = Number(process.env.FAULT_SEED ?? 20_251_202);
const TENANTS = 200;
const tenantKey = (i: number) => ({ accessKeyId: `AKIATENANT${String(i).padStart(10, '0')}`, secretAccessKey: `tenant-secret-${i}-${'x'.repeat(24)}` });

const s3 = useEmulator({ keyPairs: Array.from({ length: TENANTS }, (_, i) => tenantKey(i)) });
const MiB = 1024 * 1024;

/** mulberry32: the same faults on every run with the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const between = (low: number, high: number) => low + Math.floor(rand() * (high - low));

/** Every figure the matrix measured, for the report. */
const figures: Record<string, unknown> = { seed: SEED, scale: SCALE };

let raw: S3Client;
beforeAll(() => {
  raw = rawClient(s3.endpoint);
});
afterAll(() => {
  raw.destroy();
  if (process.env.FAULT_REPORT) writeFileSync(process.env.FAULT_REPORT, JSON.stringify(figures, null, 2));
});

async function proxyFor(rule: (request: ProxiedRequest) => Fault | undefined, framing: Framing = 'length'): Promise<FaultProxy> {
  return startFaultProxy({ upstreamPort: Number(new URL(s3.endpoint).port), framing, rule });
}
/** A fresh client for each case (a distinct connect timeout), so no keep-alive socket or retry quota is shared. */
let distinct = 0;
const connectionVia = (proxy: FaultProxy, overrides: Record<string, unknown> = {}) =>
  s3.connection({ endpoint: proxy.endpoint, connectTimeoutMs: 2000 + (distinct++ % 5000), ...overrides });

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
async function stored(key: string): Promise<Buffer | undefined> {
  try {
    return Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}
const uploadsUnder = async (prefix: string) => (await raw.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }))).Uploads ?? [];

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
const median = (values: readonly number[]) => (values.length === 0 ? 0 : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
const max = (values: readonly number[]) => (values.length === 0 ? 0 : Math.max(...values));

interface Outcome {
  ok: boolean;
  code?: string;
  ms: number;
  error?: { code: string; details?: Record<string, unknown>; message: string };
}
async function attempt(work: () => Promise<unknown>): Promise<Outcome & { result?: unknown }> {
  const started = performance.now();
  try {
    const result = await work();
    return { ok: true, ms: performance.now() - started, result };
  } catch (error) {
    const e = error as { code: string; details?: Record<string, unknown>; message: string };
    return { ok: false, code: e.code, ms: performance.now() - started, error: e };
  }
}

describe('get, cut at a random offset', () => {
  const RUNS_PER_CELL = Math.ceil(9 * SCALE);
  const body = randomBytes(256 * 1024);
  beforeAll(async () => {
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'matrix/get.bin', Body: body }));
  });

  it(`never reports success for a short or corrupt body: ${3 * 2 * 2 * RUNS_PER_CELL} runs over each framing, verification on and off, FIN and reset`, { timeout: 120_000 * SCALE }, async () => {
    const rows: Array<Record<string, unknown>> = [];
    let falseSuccesses = 0;
    for (const framing of ['length', 'chunked', 'close'] as const) {
      for (const verify of [true, false]) {
        const outcomes: Outcome[] = [];
        for (let run = 0; run < 2 * RUNS_PER_CELL; run++) {
          const how = run % 2 === 0 ? 'close' : 'reset';
          const offset = between(0, body.length);
          let cut = false;
          const proxy = await proxyFor((r) => (!cut && r.method === 'GET' ? ((cut = true), { kind: 'cutResponse', afterBodyBytes: offset, how }) : undefined), framing);
          const outcome = await attempt(() => actions.get!({ key: 'matrix/get.bin', as: 'base64', verify }, { connection: connectionVia(proxy, { maxAttempts: 1 }) }));
          await proxy.close();
          if (outcome.ok) {
            const got = Buffer.from((outcome.result as { base64: string }).base64, 'base64');
            if (!got.equals(body)) falseSuccesses++;
          }
          outcomes.push(outcome);
        }
        const failed = outcomes.filter((o) => !o.ok);
        rows.push({
          framing,
          verify,
          runs: outcomes.length,
          falseSuccesses: outcomes.filter((o) => o.ok).length,
          codes: tally(failed.map((o) => o.code!)),
          medianMsToError: Math.round(median(failed.map((o) => o.ms))),
          maxMsToError: Math.round(max(failed.map((o) => o.ms))),
        });
      }
    }
    figures.getCuts = { runs: rows.reduce((n, r) => n + (r.runs as number), 0), falseSuccesses, rows };
    expect(falseSuccesses).toBe(0);
    // Every cut was an error a host retries: Network, never a success or a non-retryable code.
    for (const row of rows) expect(Object.keys(row.codes as object)).toEqual(['Network']);
  });
});

describe('put, the connection killed at a random byte', () => {
  const SINGLE_RUNS = Math.ceil(70 * SCALE);
  const MULTI_RUNS = Math.ceil(30 * SCALE);
  const files = memoryFiles();

  it(`never reports success for a missing or partial object, surfaces the upload's own error, and leaves no upload behind once cleaned: ${SINGLE_RUNS + MULTI_RUNS} runs`, { timeout: 180_000 * SCALE }, async () => {
    const small = randomBytes(200 * 1024);
    const large = randomBytes(8 * MiB + 64 * 1024); // two parts: 8 MiB and 64 KiB
    const largeRef = await files.add('large.bin', large);
    const results: Array<{ kind: string; outcome: Outcome; key: string; expected: Buffer; createAnswerLost: boolean; abortErrorSurfaced: boolean }> = [];
    // Every run's faults are drawn first, in order, so the seed fixes them whatever runs at once.
    const plans = Array.from({ length: SINGLE_RUNS + MULTI_RUNS }, (_, run) => {
      const multipart = run >= SINGLE_RUNS;
      // Which request dies: for multipart, any of create, the parts, complete.
      const victim = pick(multipart ? ['POST?uploads', 'PUT?part1', 'PUT?part2', 'POST?uploadId'] : ['PUT']);
      const direction = rand() < 0.75 ? 'request' : 'response';
      const how = pick(['close', 'reset'] as const);
      const maxAttempts = pick([1, 3]);
      // Some multipart runs that fail (one attempt) also lose every abort, so the clean-up has work.
      const abortsFail = multipart && maxAttempts === 1 && rand() < 0.3;
      return { run, multipart, victim, direction, how, maxAttempts, abortsFail, cutAt: rand() };
    });
    const matches = (victim: string, r: ProxiedRequest) => {
      if (victim === 'PUT') return r.method === 'PUT';
      if (victim === 'POST?uploads') return r.method === 'POST' && r.path.includes('uploads') && !r.path.includes('uploadId');
      if (victim === 'POST?uploadId') return r.method === 'POST' && r.path.includes('uploadId');
      return r.method === 'PUT' && r.path.includes(`partNumber=${victim.slice(-1)}`);
    };
    await eachLimit(plans, 4, async (plan) => {
      const key = `matrix/put/${plan.run}.bin`;
      let hit = false;
      let applied: Fault['kind'] | undefined;
      const proxy = await proxyFor((r) => {
        if (plan.abortsFail && r.method === 'DELETE') return { kind: 'status', status: 500, code: 'InternalError' };
        if (hit || !matches(plan.victim, r)) return undefined;
        hit = true;
        const length = Number(r.headers['content-length'] ?? 0);
        const fault: Fault =
          plan.direction === 'request' && length > 0 ? { kind: 'cutRequest', afterBodyBytes: Math.floor(plan.cutAt * length), how: plan.how } : { kind: 'dropResponse', how: plan.how };
        applied = fault.kind;
        return fault;
      });
      const connection = connectionVia(proxy, { maxAttempts: plan.maxAttempts });
      const outcome = await attempt(() =>
        plan.multipart ? actions.put!({ key, file: largeRef }, { connection, files }) : actions.put!({ key, base64: small.toString('base64') }, { connection }),
      );
      await proxy.close();
      // The error seen must be the upload's own: never an answer to one of its aborts.
      const abortAnswers = new Set(proxy.log.filter((r) => r.method === 'DELETE').map((r) => `FAULT${r.index}`));
      results.push({
        kind: plan.multipart ? 'multipart' : 'single',
        outcome,
        key,
        expected: plan.multipart ? large : small,
        createAnswerLost: plan.victim === 'POST?uploads' && applied === 'dropResponse',
        abortErrorSurfaced: !outcome.ok && abortAnswers.has(String(outcome.error?.details?.requestId)),
      });
    });

    let corruptOrPartial = 0;
    let successForMissing = 0;
    for (const { outcome, key, expected } of results) {
      const now = await stored(key);
      if (now !== undefined && sha(now) !== sha(expected)) corruptOrPartial++;
      if (outcome.ok && now === undefined) successForMissing++;
    }
    const failures = results.filter((r) => !r.outcome.ok);
    const originalSurfaced = failures.filter((r) => !r.abortErrorSurfaced).length;
    const orphansBefore = (await uploadsUnder('matrix/put/')).length;
    const namedInDetails = failures.filter((r) => r.outcome.error?.details?.incompleteUpload !== undefined).length;
    // S3 created an upload whose answer never arrived: its ID was never known here, so only the clean-up finds it.
    const createAnswersLost = results.filter((r) => r.createAnswerLost).length;
    const cleaned = (await actions.cleanupUploads!({ prefix: 'matrix/put/', olderThanHours: 0 }, { connection: s3.connection() })) as { aborted: unknown[]; errors: unknown[] };
    const orphansAfter = (await uploadsUnder('matrix/put/')).length;

    figures.putKills = {
      runs: results.length,
      byKind: Object.fromEntries(
        ['single', 'multipart'].map((kind) => {
          const of = results.filter((r) => r.kind === kind);
          return [kind, { runs: of.length, succeeded: of.filter((r) => r.outcome.ok).length, failed: of.filter((r) => !r.outcome.ok).length, codes: tally(of.filter((r) => !r.outcome.ok).map((r) => r.outcome.code!)) }];
        }),
      ),
      corruptOrPartial,
      successForMissing,
      originalErrorSurfaced: `${originalSurfaced}/${failures.length}`,
      orphansBeforeCleanup: orphansBefore,
      incompleteUploadsNamedInDetails: namedInDetails,
      createAnswersLost,
      cleanedUp: cleaned.aborted.length,
      orphansAfterCleanup: orphansAfter,
      medianMsToError: Math.round(median(failures.map((r) => r.outcome.ms))),
    };
    expect(failures.length).toBeGreaterThan(0);
    expect(results.some((r) => r.outcome.ok)).toBe(true);
    expect(corruptOrPartial).toBe(0);
    expect(successForMissing).toBe(0);
    expect(originalSurfaced).toBe(failures.length);
    expect(orphansBefore).toBeLessThanOrEqual(namedInDetails + createAnswersLost);
    expect(cleaned.errors).toEqual([]);
    expect(orphansAfter).toBe(0);
  });
});

describe('a stalled transfer', () => {
  const LIMIT_MS = 1000;
  const SLACK_MS = 750; // the timer's own lateness on a loaded machine, and tearing the request down

  beforeAll(async () => {
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'matrix/stall.bin', Body: randomBytes(256 * 1024) }));
  });

  const cases: Array<[string, (r: ProxiedRequest) => Fault | undefined, string, unknown]> = [
    ['get, body stalled after 64 KiB', (r) => (r.method === 'GET' ? { kind: 'stallResponse', afterBodyBytes: 64 * 1024 } : undefined), 'get', { key: 'matrix/stall.bin', as: 'base64' }],
    ['get, no answer', (r) => (r.method === 'GET' ? { kind: 'silence' } : undefined), 'get', { key: 'matrix/stall.bin', as: 'base64' }],
    ['put, no answer', (r) => (r.method === 'PUT' ? { kind: 'silence' } : undefined), 'put', { key: 'matrix/stalled-put.txt', text: 'hello' }],
    ['copy, no answer', (r) => (r.method === 'PUT' ? { kind: 'silence' } : undefined), 'copy', { sourceKey: 'matrix/stall.bin', destinationKey: 'matrix/stall-copy.bin' }],
    ['list, no answer', (r) => (r.method === 'GET' ? { kind: 'silence' } : undefined), 'list', { prefix: 'matrix/' }],
    ['list, answer stalled mid-body', (r) => (r.method === 'GET' ? { kind: 'stallResponse', afterBodyBytes: 40 } : undefined), 'list', { prefix: 'matrix/' }],
  ];
  const rows: Array<Record<string, unknown>> = [];
  afterAll(() => {
    figures.stalls = { limitMs: LIMIT_MS, rows };
  });

  // Concurrently: each case mostly waits for its own timer.
  it.concurrent.each(cases.flatMap(([name, rule, id, input]) => [1, 2].map((attempts) => [name, attempts, rule, id, input] as const)))(
    '%s, %i attempt(s): Timeout within the limit per attempt, plus backoff',
    async (name, attempts, rule, id, input) => {
      const proxy = await proxyFor(rule);
      const outcome = await attempt(() => actions[id]!(input, { connection: connectionVia(proxy, { requestTimeoutMs: LIMIT_MS, maxAttempts: attempts }) }));
      await proxy.close();
      const tries = proxy.log.filter((r) => rule(r) !== undefined).length;
      rows.push({ case: name, maxAttempts: attempts, tries, code: outcome.code, ms: Math.round(outcome.ms) });
      expect(outcome).toMatchObject({ ok: false, code: 'Timeout' });
      expect(outcome.error!.message).toContain('in time');
      // The SDK's backoff between tries is at most 20 s in theory; in practice well under a second here.
      expect(outcome.ms).toBeLessThan(tries * LIMIT_MS + SLACK_MS + (tries - 1) * 1000);
      expect(outcome.ms).toBeGreaterThanOrEqual(tries * LIMIT_MS - 50);
    },
  );
});

describe('a slow link', () => {
  it('is no stall: a download trickling for longer than the request timeout arrives whole', async () => {
    const body = randomBytes(192 * 1024);
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'matrix/slow.bin', Body: body }));
    // 128 KiB/s in 10 slices a second: about 1.5 s in all, never 1 s without a byte.
    const proxy = await proxyFor((r) => (r.method === 'GET' ? { kind: 'throttle', bytesPerSecond: 128 * 1024 } : undefined));
    const outcome = await attempt(() => actions.get!({ key: 'matrix/slow.bin', as: 'base64' }, { connection: connectionVia(proxy, { requestTimeoutMs: 1000, maxAttempts: 1 }) }));
    await proxy.close();
    figures.slowLink = { bytes: body.length, bytesPerSecond: 128 * 1024, requestTimeoutMs: 1000, outcome: outcome.ok ? 'whole' : outcome.code, ms: Math.round(outcome.ms) };
    expect(outcome.ok).toBe(true);
    expect(Buffer.from((outcome.result as { base64: string }).base64, 'base64').equals(body)).toBe(true);
    expect(outcome.ms).toBeGreaterThan(1000);
  });
});

describe('a SlowDown storm', () => {
  const rows: Array<Record<string, unknown>> = [];
  afterAll(() => {
    figures.slowDown = rows;
  });

  it.each([1, 2, 3])('of %i answers to a list with 3 attempts: retried with backoff, Throttled once the attempts run out', async (k) => {
    let answered = 0;
    const proxy = await proxyFor((r) => (r.method === 'GET' && answered++ < k ? { kind: 'status', status: 503, code: 'SlowDown' } : undefined));
    const outcome = await attempt(() => actions.list!({ prefix: 'matrix/' }, { connection: connectionVia(proxy, { maxAttempts: 3 }) }));
    await proxy.close();
    const attempts = proxy.log.length;
    rows.push({ storm: k, maxAttempts: 3, attempts, outcome: outcome.ok ? 'recovered' : outcome.code, ms: Math.round(outcome.ms) });
    if (k < 3) {
      expect(outcome.ok).toBe(true);
      expect(attempts).toBe(k + 1);
    } else {
      expect(outcome).toMatchObject({ ok: false, code: 'Throttled' });
      expect(outcome.error!.message).toContain('asked to slow down (SlowDown)');
      expect(attempts).toBe(3);
    }
  });

  it('of a 500 on a small put\'s first attempt: recovered, unseen by the user', async () => {
    let answered = 0;
    const proxy = await proxyFor((r) => (r.method === 'PUT' && answered++ < 1 ? { kind: 'status', status: 500, code: 'InternalError' } : undefined));
    const outcome = await attempt(() => actions.put!({ key: 'matrix/small-500.txt', text: 'recovered' }, { connection: connectionVia(proxy) }));
    await proxy.close();
    figures.smallPut500 = { attempts: proxy.log.length, outcome: outcome.ok ? 'recovered' : outcome.code, ms: Math.round(outcome.ms) };
    expect(outcome.ok).toBe(true);
    expect((await stored('matrix/small-500.txt'))?.toString()).toBe('recovered');
  });
});

describe(`${TENANTS} tenants at once`, () => {
  it('keeps the client cache, open sockets and memory bounded', { timeout: 120_000 }, async () => {
    const open = new Set<Socket>();
    let peakSockets = 0;
    const onSocket = (message: unknown) => {
      const { socket } = message as { socket: Socket };
      open.add(socket);
      peakSockets = Math.max(peakSockets, open.size);
      socket.once('close', () => open.delete(socket));
    };
    subscribe('net.client.socket', onSocket);
    try {
      const body = randomBytes(4 * 1024).toString('base64');
      const run = (tenants: number) =>
        Promise.all(
          Array.from({ length: tenants }, async (_, i) => {
            const connection = s3.connection({ name: `Tenant ${i}`, ...tenantKey(i), basePath: `tenants/${i}/` });
            await actions.put!({ key: 'note.txt', base64: body }, { connection });
            const got = (await actions.get!({ key: 'note.txt', as: 'base64' }, { connection })) as { base64: string };
            if (got.base64 !== body) throw new Error(`tenant ${i} read another body`);
          }),
        );
      await run(20); // warm-up: modules, JIT, the emulator's first writes
      const rssBefore = process.memoryUsage().rss;
      const measured = await peakRss(() => run(TENANTS));
      const clients = cachedClientCount();
      // Idle keep-alive sockets of the cached clients stay open; evicted clients' sockets are closed.
      await new Promise((resolve) => setTimeout(resolve, 100));
      figures.tenants = {
        tenants: TENANTS,
        clientCacheSize: clients,
        clientCacheLimit: CLIENT_CACHE_SIZE,
        peakClientSockets: peakSockets,
        clientSocketsOpenAfter: open.size,
        peakRssGrowthMiB: Math.round(measured.growth / MiB),
        rssGrowthAfterMiB: Math.round((process.memoryUsage().rss - rssBefore) / MiB),
        seconds: Number(measured.seconds.toFixed(2)),
      };
      expect(clients).toBeLessThanOrEqual(CLIENT_CACHE_SIZE);
      // Each cached client keeps at most the sockets its own requests opened (one or two here).
      expect(open.size).toBeLessThanOrEqual(CLIENT_CACHE_SIZE * 2);
      expect(peakSockets).toBeLessThanOrEqual(TENANTS * 2);
      expect(measured.growth).toBeLessThan(300 * MiB);
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
  });
});
