// Listing 100,000 keys: the connector's list action (`all: true, limit: 100000`) against the raw
// SDK paginator with one reused client, in alternating rounds against the same emulator bucket.
// The emulator runs in its own process, so the server and the client each have a core.
// The seeded bucket is cached under the OS temp directory between runs (seeding takes minutes).
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { EMULATOR_CREDENTIALS, emulatorClientConfig } from '../dist/emulator.js';
import { actions } from '../dist/index.js';
import { startEmulatorProcess } from './emulator.mjs';

const KEYS = 100_000;
const BUCKET = 'bench-list';
const PREFIX = 'items/';
const SEED_CONCURRENCY = 64;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Bump the version when the layout below changes, so a stale cache is not reused.
const DIRECTORY = join(tmpdir(), 's3-connector-bench-list-100k-v1');
const SEEDED = join(DIRECTORY, '.seeded');

/** 100 "folders" of 1,000 keys: the emulator walks its directory tree, and a flat one is quadratic. */
const keyAt = (i) => `${PREFIX}${String(Math.floor(i / 1000)).padStart(3, '0')}/${String(i).padStart(6, '0')}.json`;

async function seed(client) {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < KEYS) {
      const key = keyAt(next++);
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `{"n":${done}}`, ContentType: 'application/json' }));
      if (++done % 10_000 === 0) console.log(`  seeded ${done.toLocaleString('en')} keys (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  await writeFile(SEEDED, String(KEYS));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export default async function listBench() {
  const cached = existsSync(SEEDED);
  if (!cached) await rm(DIRECTORY, { recursive: true, force: true });
  const emulator = await startEmulatorProcess({ buckets: [BUCKET], directory: DIRECTORY });
  const client = new S3Client(emulatorClientConfig(emulator.endpoint));
  try {
    if (cached) console.log(`Using the seeded bucket cached in ${DIRECTORY}.`);
    else {
      console.log(`Seeding ${KEYS.toLocaleString('en')} keys into ${DIRECTORY} (once; cached for later runs)...`);
      await seed(client);
    }

    const connection = { name: 'Bench', ...EMULATOR_CREDENTIALS, bucket: BUCKET, region: 'us-east-1', endpoint: emulator.endpoint };
    const runs = {
      async connector(limit) {
        const output = await actions.list({ prefix: PREFIX, all: true, limit }, { connection });
        if (output.objects.length !== limit || output.isTruncated !== limit < KEYS) throw new Error(`connector listed ${output.objects.length} keys, truncated: ${output.isTruncated}`);
      },
      async raw(limit) {
        const objects = [];
        for await (const page of paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: BUCKET, Prefix: PREFIX })) {
          for (const object of page.Contents ?? []) objects.push(object);
          if (objects.length >= limit) break;
        }
        if (objects.length !== limit) throw new Error(`raw SDK listed ${objects.length} keys`);
      },
    };
    const times = { connector: [], raw: [] };
    const time = async (name, limit = KEYS) => {
      const started = performance.now();
      await runs[name](limit);
      return performance.now() - started;
    };
    // A short warm-up each (sockets, JIT), then alternating rounds, swapping who goes first.
    await time('connector', 5000);
    await time('raw', 5000);
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 === 0 ? ['connector', 'raw'] : ['raw', 'connector']) times[name].push(await time(name));
    }

    const connector = median(times.connector);
    const raw = median(times.raw);
    // Each round's two runs are back to back, so their ratio shares the machine's load of the moment.
    const paired = median(times.raw.map((r, i) => r / times.connector[i]));
    const rate = (ms) => `${Math.round(KEYS / (ms / 1000)).toLocaleString('en')} keys/s`;
    const seconds = (list) => list.map((ms) => (ms / 1000).toFixed(2)).join(', ');
    console.log(`\nListing ${KEYS.toLocaleString('en')} keys, median of ${ROUNDS} alternating rounds:\n`);
    console.log('| what | median time | rate | rounds (s) |');
    console.log('|---|---:|---:|---|');
    console.log(`| connector list (all, limit ${KEYS.toLocaleString('en')}) | ${(connector / 1000).toFixed(2)} s | ${rate(connector)} | ${seconds(times.connector)} |`);
    console.log(`| raw SDK paginateListObjectsV2, one reused client | ${(raw / 1000).toFixed(2)} s | ${rate(raw)} | ${seconds(times.raw)} |`);
    console.log(`\nconnector / raw SDK: ${(raw / connector).toFixed(3)}x of medians, ${paired.toFixed(3)}x median of per-round ratios (target ≥ 0.95x)`);
    return { connectorMs: connector, rawMs: raw, ratio: raw / connector, pairedRatio: paired };
  } finally {
    client.destroy();
    await emulator.close();
  }
}
