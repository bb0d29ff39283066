// The "New or updated object" trigger on a prefix of 100,000 keys (TRIGGER_BENCH_KEYS to change it):
// requests and time per poll in scan and ordered mode, the polls and requests a full pass takes, the
// state's size, and the delay from a put to its event with polls back to back (a host adds its
// interval on top). The two modes alternate round by round against the same emulator bucket, which
// runs in its own process behind a loopback proxy that counts the requests.
// The keys are written straight into the emulator's folder, dated a day ago (objects that exist, not a
// burst of changes), and cached under the OS temp directory between runs.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS, emulatorClientConfig } from '../dist/emulator.js';
import { triggers } from '../dist/index.js';
import { startEmulatorProcess } from './emulator.mjs';

const KEYS = Number(process.env.TRIGGER_BENCH_KEYS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUCKET = 'bench-trigger';
const PREFIX = 'items/';
const SEED_CONCURRENCY = 256;
// Bump the version when the layout below changes, so a stale cache is not reused.
const DIRECTORY = join(tmpdir(), `s3-connector-bench-trigger-${KEYS}-v1`);
const SEEDED = join(DIRECTORY, '.seeded');

if (!Number.isInteger(KEYS) || KEYS < 1000) throw new Error(`TRIGGER_BENCH_KEYS must be a whole number of at least 1000, not "${process.env.TRIGGER_BENCH_KEYS}".`);

/** Folders of 1,000 keys (the emulator walks its directory tree, and a flat one is quadratic); keys only grow. */
const keyAt = (i) => `${PREFIX}${String(Math.floor(i / 1000)).padStart(3, '0')}/${String(i).padStart(6, '0')}.json`;

/**
 * The emulator's on-disk layout (`<key>._S3rver_object`, its MD5 beside it, dated by the file's mtime):
 * a PUT each would date every key within the last minutes, inside the trigger's look-back window.
 */
async function seed() {
  const started = performance.now();
  const dayAgo = new Date(Date.now() - 86_400_000);
  for (let i = 0; i < KEYS; i += 1000) await mkdir(join(DIRECTORY, BUCKET, keyAt(i), '..'), { recursive: true });
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < KEYS) {
      const i = next++;
      const file = join(DIRECTORY, BUCKET, `${keyAt(i)}._S3rver_object`);
      const body = `{"n":${i}}`;
      await writeFile(file, body);
      await utimes(file, dayAgo, dayAgo);
      await writeFile(`${file}.md5`, createHash('md5').update(body).digest('hex'));
      if (++done % 10_000 === 0) console.log(`  seeded ${done.toLocaleString('en')} keys (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  await writeFile(SEEDED, String(KEYS));
}

/** A loopback proxy to the emulator that counts the requests passing through. */
async function countingProxy(target) {
  const { port } = new URL(target);
  let count = 0;
  const server = createServer((incoming, outgoing) => {
    count++;
    const forward = request({ host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    get count() {
      return count;
    },
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const trigger = triggers.objectChanged;

export default async function triggerBench() {
  if (existsSync(SEEDED)) console.log(`Using the seeded bucket cached in ${DIRECTORY}.`);
  else {
    await rm(DIRECTORY, { recursive: true, force: true });
    console.log(`Seeding ${KEYS.toLocaleString('en')} keys into ${DIRECTORY} (once; cached for later runs)...`);
    await seed();
  }
  const emulator = await startEmulatorProcess({ buckets: [BUCKET], directory: DIRECTORY });
  const client = new S3Client(emulatorClientConfig(emulator.endpoint));
  const proxy = await countingProxy(emulator.endpoint);
  const written = [];
  try {
    const connection = { name: 'Bench', ...EMULATOR_CREDENTIALS, bucket: BUCKET, region: 'us-east-1', endpoint: proxy.endpoint };
    const put = async (key) => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{}' }));
      written.push(key);
    };

    /** One poll, timed, with the requests it made. */
    const poll = async (input, state) => {
      const before = proxy.count;
      const started = performance.now();
      const result = await trigger.poll(input, { connection, state });
      return { result, ms: performance.now() - started, requests: proxy.count - before };
    };
    /** Polls back to back until the trigger stops asking for more: one full pass. */
    const settle = async (input, state) => {
      const polls = [];
      let step;
      do {
        step = await poll(input, state);
        polls.push(step);
        state = step.result.state;
      } while (step.result.more);
      return { state, polls };
    };

    const modes = {
      scan: { input: { prefix: PREFIX } },
      ordered: { input: { prefix: PREFIX, mode: 'ordered' } },
    };
    for (const mode of Object.values(modes)) {
      mode.state = (await settle(mode.input, await trigger.enable(mode.input, { connection }))).state;
      Object.assign(mode, { perPoll: [], perPollRequests: [], pass: [], passPolls: [], passRequests: [], delay: [], delayRequests: [], stateBytes: [] });
    }

    // A warm-up pass each (sockets, JIT), then alternating rounds, swapping who goes first.
    for (const mode of Object.values(modes)) mode.state = (await settle(mode.input, mode.state)).state;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['scan', 'ordered'] : ['ordered', 'scan'];
      for (const name of order) {
        const mode = modes[name];
        // A quiet pass: every poll of it, and the pass as a whole.
        const pass = await settle(mode.input, mode.state);
        mode.state = pass.state;
        for (const { ms, requests } of pass.polls) {
          mode.perPoll.push(ms);
          mode.perPollRequests.push(requests);
        }
        mode.pass.push(pass.polls.reduce((sum, p) => sum + p.ms, 0));
        mode.passPolls.push(pass.polls.length);
        mode.passRequests.push(pass.polls.reduce((sum, p) => sum + p.requests, 0));
        mode.stateBytes.push(Buffer.byteLength(JSON.stringify(mode.state)));

        // A put, then polls back to back until its event: scan at a random place in the prefix, ordered at its end.
        const key =
          name === 'ordered'
            ? `${PREFIX}zzz/${String(round).padStart(4, '0')}.json`
            : `${keyAt(Math.floor(Math.random() * KEYS)).replace(/\.json$/, '')}-new-${round}.json`;
        await put(key);
        const putAt = performance.now();
        const before = proxy.count;
        let state = mode.state;
        for (let found = false; !found; ) {
          const { result } = await poll(mode.input, state);
          state = result.state;
          found = result.events.some((e) => e.data.key === key);
        }
        mode.delay.push(performance.now() - putAt);
        mode.delayRequests.push(proxy.count - before);
        mode.state = (await settle(mode.input, state)).state;
      }
    }

    const ms = (value) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`);
    console.log(`\nThe trigger on ${KEYS.toLocaleString('en')} keys under "${PREFIX}", median of ${ROUNDS} alternating rounds (10 listing pages per poll, the default):\n`);
    console.log('| mode | requests per poll | time per poll | polls per pass | requests per pass | time per pass | put → event, polls back to back | requests until the event | state |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, mode] of Object.entries(modes)) {
      console.log(
        `| ${name} | ${median(mode.perPollRequests)} | ${ms(median(mode.perPoll))} | ${median(mode.passPolls)} | ${median(mode.passRequests)} | ${ms(median(mode.pass))} | ${ms(median(mode.delay))} | ${median(mode.delayRequests)} | ${median(mode.stateBytes).toLocaleString('en')} bytes |`,
      );
    }
    const { scan, ordered } = modes;
    // Each round's two measures are back to back, so their ratio shares the machine's load of the moment.
    const paired = (a, b) => median(a.map((value, i) => value / b[i]));
    console.log(`\nscan / ordered, time per pass: ${(median(scan.pass) / median(ordered.pass)).toFixed(1)}x of medians, ${paired(scan.pass, ordered.pass).toFixed(1)}x median of per-round ratios`);
    console.log(`scan / ordered, put → event: ${(median(scan.delay) / median(ordered.delay)).toFixed(1)}x of medians, ${paired(scan.delay, ordered.delay).toFixed(1)}x median of per-round ratios`);
    console.log(`scan / ordered, requests per pass: ${(median(scan.passRequests) / median(ordered.passRequests)).toFixed(0)}x`);
    console.log('A host polls again at once while a poll answers more: true; otherwise it waits its interval, which adds to put → event.');
    return { keys: KEYS, scan: summary(scan), ordered: summary(ordered) };
  } finally {
    // The bench's own writes go, so the cached bucket stays as seeded.
    await Promise.all(written.map((key) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))));
    client.destroy();
    await proxy.close();
    await emulator.close();
  }
}

function summary(mode) {
  return {
    requestsPerPoll: median(mode.perPollRequests),
    msPerPoll: median(mode.perPoll),
    pollsPerPass: median(mode.passPolls),
    requestsPerPass: median(mode.passRequests),
    msPerPass: median(mode.pass),
    putToEventMs: median(mode.delay),
    stateBytes: median(mode.stateBytes),
  };
}
