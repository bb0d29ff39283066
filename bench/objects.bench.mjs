// Objects, through the connector (dist/) against the raw SDK, side by side in one run:
// - 1 KiB put and get with 16 in flight: ops/s of the connector, of the raw SDK with one reused
//   client (the limit), and of a new client per call (what popular connectors do);
// - a large object (1 GiB; BENCH_LARGE_MIB to change) put and got through file refs on disk:
//   MiB/s and peak RSS growth, against raw lib-storage Upload and a raw GetObject stream.
// The emulator runs in a child process, so this process's CPU and RSS are the client's alone.
// Medians over rounds that alternate who goes first.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { EMULATOR_CREDENTIALS, emulatorClientConfig } from '../dist/emulator.js';
import { actions } from '../dist/index.js';
import { peakRss } from '../test/helpers/peak-rss.mjs';
import { startEmulatorProcess } from './emulator.mjs';

const BUCKET = 'bench-objects';
const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SMALL_OPS = Number(process.env.BENCH_SMALL_OPS ?? 2000);
const SMALL_BYTES = 1024;
const SMALL_KEYS = 256;
const IN_FLIGHT = 16;
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 1024);
const LARGE_ROUNDS = Number(process.env.BENCH_LARGE_ROUNDS ?? 3);
/** What the connector uses for multipart: 8 MiB parts, 4 in flight (src/transfer.ts). */
const PART_BYTES = 8 * MiB;
const QUEUE_SIZE = 4;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs `op(i)` for i < count with `inFlight` at a time; resolves with the seconds it took. */
async function timed(count, inFlight, op) {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (performance.now() - started) / 1000;
}

/** A host file store on disk: the FileStore contract with real file streams. */
function diskStore(directory) {
  let next = 0;
  const pathOf = (ref) => join(directory, ref.id);
  return {
    pathOf,
    async write({ name, data, contentType }) {
      const ref = { id: `f${++next}`, name, ...(contentType ? { contentType } : {}) };
      await pipeline(data instanceof Uint8Array ? Readable.from([data]) : data, createWriteStream(pathOf(ref)));
      ref.size = (await stat(pathOf(ref))).size;
      return ref;
    },
    read: async (ref) => createReadStream(pathOf(ref)),
  };
}

/** Rounds of every variant, alternating who goes first; returns each variant's list of results. */
async function rounds(count, variants) {
  const names = Object.keys(variants);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await variants[name](); // warm-up: sockets, JIT
  for (let round = 0; round < count; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) results[name].push(await variants[name]());
  }
  return results;
}

async function smallObjects(endpoint, connection) {
  const client = new S3Client(emulatorClientConfig(endpoint));
  const body = randomBytes(SMALL_BYTES / 2).toString('hex'); // 1 KiB of text
  const key = (i) => `small/${i % SMALL_KEYS}.txt`;
  await timed(SMALL_KEYS, IN_FLIGHT, (i) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(i), Body: body })));
  const contentType = 'text/plain; charset=utf-8';

  const fresh = async (command) => {
    const own = new S3Client(emulatorClientConfig(endpoint));
    try {
      const answer = await own.send(command);
      if (answer.Body) await answer.Body.transformToString();
    } finally {
      own.destroy();
    }
  };
  const opsPerSecond = (op) => async () => SMALL_OPS / (await timed(SMALL_OPS, IN_FLIGHT, op));
  // A client per call churns sockets and garbage that would slow whatever runs next: it gets
  // rounds of its own, after the connector and the raw client have alternated.
  const put = await rounds(ROUNDS, {
    connector: opsPerSecond((i) => actions.put({ key: key(i), text: body }, { connection })),
    raw: opsPerSecond((i) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(i), Body: body, ContentType: contentType }))),
  });
  Object.assign(put, await rounds(ROUNDS, { fresh: opsPerSecond((i) => fresh(new PutObjectCommand({ Bucket: BUCKET, Key: key(i), Body: body, ContentType: contentType }))) }));
  const get = await rounds(ROUNDS, {
    connector: opsPerSecond(async (i) => {
      const output = await actions.get({ key: key(i), as: 'text' }, { connection });
      if (output.text.length !== SMALL_BYTES) throw new Error('connector read a wrong body');
    }),
    raw: opsPerSecond(async (i) => {
      const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key(i) }));
      if ((await answer.Body.transformToString()).length !== SMALL_BYTES) throw new Error('raw read a wrong body');
    }),
  });
  Object.assign(get, await rounds(ROUNDS, { fresh: opsPerSecond((i) => fresh(new GetObjectCommand({ Bucket: BUCKET, Key: key(i) }))) }));
  client.destroy();

  console.log(`1 KiB objects, ${SMALL_OPS} operations with ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds (connector and raw alternating):\n`);
  console.log('| operation | connector ops/s | raw SDK, one client ops/s | raw SDK, client per call ops/s | connector / raw | client per call / raw |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of [['put', put], ['get', get]]) {
    const [c, raw, f] = [median(r.connector), median(r.raw), median(r.fresh)];
    console.log(`| ${name} | ${c.toFixed(0)} | ${raw.toFixed(0)} | ${f.toFixed(0)} | ${(c / raw).toFixed(2)}x | ${(f / raw).toFixed(2)}x |`);
  }
}

async function largeObject(endpoint, connection, directory) {
  const client = new S3Client(emulatorClientConfig(endpoint));
  const files = diskStore(directory);
  const bytes = LARGE_MIB * MiB;
  const block = randomBytes(MiB);
  const source = await files.write({
    name: 'large.bin',
    data: Readable.from(
      (function* () {
        for (let i = 0; i < LARGE_MIB; i++) yield block;
      })(),
    ),
  });
  let rawDownloads = 0;
  const dropDownload = async (ref) => {
    if ((await stat(files.pathOf(ref))).size !== bytes) throw new Error('a download has the wrong size');
    await rm(files.pathOf(ref));
  };
  const measure = (work) => () => peakRss(work);
  const put = await rounds(LARGE_ROUNDS, {
    connector: measure(() => actions.put({ key: 'large/connector.bin', file: source }, { connection, files })),
    raw: measure(() =>
      new Upload({
        client,
        params: { Bucket: BUCKET, Key: 'large/raw.bin', Body: createReadStream(files.pathOf(source)), ContentType: 'application/octet-stream' },
        partSize: PART_BYTES,
        queueSize: QUEUE_SIZE,
      }).done(),
    ),
  });
  const get = await rounds(LARGE_ROUNDS, {
    connector: measure(async () => {
      const output = await actions.get({ key: 'large/connector.bin', as: 'file' }, { connection, files });
      await dropDownload(output.file);
    }),
    raw: measure(async () => {
      const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'large/raw.bin' }));
      const ref = { id: `raw-${++rawDownloads}`, name: 'raw.bin' };
      await pipeline(answer.Body, createWriteStream(files.pathOf(ref)));
      await dropDownload(ref);
    }),
  });
  client.destroy();

  const mibps = (r) => median(r.map((x) => LARGE_MIB / x.seconds));
  const peak = (r) => Math.max(...r.map((x) => x.growth)) / MiB;
  console.log(`\n${LARGE_MIB} MiB object through file refs on disk, median of ${LARGE_ROUNDS} alternating rounds (peak RSS growth: worst round):\n`);
  console.log('| operation | connector MiB/s | raw MiB/s | connector / raw | connector peak RSS growth | raw peak RSS growth |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r, rawName] of [['put (file ref → S3)', put, 'lib-storage Upload'], ['get (S3 → file ref)', get, 'GetObject stream']]) {
    const [c, raw] = [mibps(r.connector), mibps(r.raw)];
    console.log(`| ${name}, raw = ${rawName} | ${c.toFixed(0)} | ${raw.toFixed(0)} | ${(c / raw).toFixed(2)}x | ${peak(r.connector).toFixed(0)} MiB | ${peak(r.raw).toFixed(0)} MiB |`);
  }
}

/**
 * What verifying a download costs: the same large object through file refs, read raw, by the
 * connector by default (the length enforced), checked against its MD5 ETag (a single-part object,
 * `verify: true`), and against a SHA-256 that `put` recorded (`storeHash`, `verify: true`).
 */
async function verificationCost(endpoint, connection, directory) {
  const client = new S3Client(emulatorClientConfig(endpoint));
  const files = diskStore(directory);
  const bytes = LARGE_MIB * MiB;
  const block = randomBytes(MiB);
  const source = await files.write({ name: 'single.bin', data: Readable.from((function* () { for (let i = 0; i < LARGE_MIB; i++) yield block; })()) });
  // One request, so the ETag is the MD5 of the content, as S3 writes it.
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'verify/single.bin', Body: createReadStream(files.pathOf(source)), ContentLength: bytes }));
  await actions.put({ key: 'verify/hashed.bin', file: source, storeHash: true }, { connection, files });
  const drop = async (ref) => {
    if ((await stat(files.pathOf(ref))).size !== bytes) throw new Error('a download has the wrong size');
    await rm(files.pathOf(ref));
  };
  let rawDownloads = 0;
  const connector = (key, verify) => async () => {
    const started = performance.now();
    const output = await actions.get({ key, as: 'file', verify }, { connection, files });
    const seconds = (performance.now() - started) / 1000;
    await drop(output.file);
    return seconds;
  };
  const results = await rounds(LARGE_ROUNDS, {
    raw: async () => {
      const started = performance.now();
      const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'verify/single.bin' }));
      const ref = { id: `raw-verify-${++rawDownloads}`, name: 'raw.bin' };
      await pipeline(answer.Body, createWriteStream(files.pathOf(ref)));
      const seconds = (performance.now() - started) / 1000;
      await drop(ref);
      return seconds;
    },
    lengthOnly: connector('verify/single.bin', false),
    md5: connector('verify/single.bin', true),
    sha256: connector('verify/hashed.bin', true),
  });
  client.destroy();
  const mibps = (r) => median(r.map((x) => LARGE_MIB / x));
  const raw = mibps(results.raw);
  console.log(`\nWhat verifying a ${LARGE_MIB} MiB download costs, through file refs on disk, median of ${LARGE_ROUNDS} alternating rounds:\n`);
  console.log('| get as file | MiB/s | / raw |');
  console.log('|---|---:|---:|');
  console.log(`| raw GetObject stream | ${raw.toFixed(0)} | 1.00x |`);
  for (const [name, label] of [['lengthOnly', 'connector, default (length enforced)'], ['md5', 'connector, `verify: true` against the MD5 ETag'], ['sha256', 'connector, `verify: true` against the SHA-256 in metadata']]) {
    const value = mibps(results[name]);
    console.log(`| ${label} | ${value.toFixed(0)} | ${(value / raw).toFixed(2)}x |`);
  }
}

export default async function objectsBench() {
  const directory = await mkdtemp(join(tmpdir(), 's3-connector-bench-objects-'));
  const emulator = await startEmulatorProcess({ buckets: [BUCKET], directory: join(directory, 'emulator') });
  const connection = { name: 'Bench', ...EMULATOR_CREDENTIALS, bucket: BUCKET, region: 'us-east-1', endpoint: emulator.endpoint };
  try {
    if (process.env.BENCH_SKIP_SMALL !== '1') await smallObjects(emulator.endpoint, connection);
    await largeObject(emulator.endpoint, connection, directory);
    await verificationCost(emulator.endpoint, connection, directory);
  } finally {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  }
}
