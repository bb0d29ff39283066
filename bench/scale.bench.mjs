// Scale: a sharded resizeMany run on BullMQ (`s3-connector run resizeMany --queue`) with 1 and 2 worker
// processes, against `s3-connector run resizeMany` in one process, on the same photo-like JPEGs
// (200x200 cover JPEG), each timed from the command's start to its summary, so the split (one listing
// pass) and the queue are in the sharded figures. Rounds alternate the order; the table gives medians.
//
// Then what the queue costs per image: the Redis commands the clients send (counted with MONITOR in
// an extra run, apart from the timed ones: MONITOR slows Redis), Redis's own CPU per image, and the
// wall time one worker loses against one process. Workers are started once, before the rounds, as
// they run in production; the emulator and redis-server run in their own processes.
//
// All of it shares this machine's cores: the emulator's side of S3 competes with sharp here, so two
// workers on two cores cannot double one. Knobs: SCALE_BENCH_IMAGES (default 120),
// SCALE_BENCH_ROUNDS (default 3), SCALE_BENCH_WIDTH (source width, default 2400, 4:3).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { EMULATOR_CREDENTIALS, emulatorClientConfig } from '../dist/emulator.js';
import { startEmulatorProcess } from './emulator.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../dist/host/cli.js');
const BUCKET = 'bench-scale';
const SIZE = 200;
const SHARDS = 8;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let output = '';
    child.once('error', () => reject(new Error('redis-server is missing: run scripts/ensure-redis.sh')));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

/** Runs the CLI to its end; resolves with its JSON output and the wall time. */
function cli(home, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, '--home', home, ...args], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ output: JSON.parse(stdout), seconds });
      else reject(new Error(`${args.slice(0, 2).join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-4).join('\n')}`));
    });
  });
}

function startWorker(home, url) {
  const child = spawn(process.execPath, [CLI, '--home', home, 'worker', '--queue', url], { env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.once('exit', (code) => reject(new Error(`a worker exited (${code}): ${stderr}`)));
    const onData = (d) => {
      stderr += d;
      if (!stderr.includes('Worker ready')) return;
      child.stderr.off('data', onData);
      child.stderr.resume();
      child.removeAllListeners('exit');
      resolve({ stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM'))) });
    };
    child.stderr.on('data', onData);
  });
}

async function redisCpuSeconds(redis) {
  const info = await redis.info('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

export default async function scaleBench() {
  const images = Number(process.env.SCALE_BENCH_IMAGES ?? 120);
  const rounds = Number(process.env.SCALE_BENCH_ROUNDS ?? 3);
  const width = Number(process.env.SCALE_BENCH_WIDTH ?? 2400);
  const height = Math.round((width * 3) / 4);
  const home = await mkdtemp(join(tmpdir(), 'scale-bench-'));
  const emulator = await startEmulatorProcess({ buckets: [BUCKET] });
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url);
  const workers = [];
  try {
    const photo = await sharp({ create: { width, height, channels: 3, background: '#6080a0', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg({ quality: 88 })
      .toBuffer();
    const client = new S3Client(emulatorClientConfig(emulator.endpoint));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < images) {
          const key = `src/photo-${String(next++).padStart(4, '0')}.jpg`;
          await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: photo, ContentType: 'image/jpeg' }));
        }
      }),
    );
    client.destroy();
    const values = join(home, 'connection.json');
    await writeFile(values, JSON.stringify({ name: 'bench', ...EMULATOR_CREDENTIALS, bucket: BUCKET, region: 'us-east-1', endpoint: emulator.endpoint }));
    await cli(home, ['connections', 'add', '--values', `@${values}`, '--json']);
    console.log(`${images} copies of a ${(photo.length / 1024).toFixed(0)} KiB ${width}x${height} JPEG → ${SIZE}x${SIZE} cover JPEG; ${SHARDS} ranges; ${rounds} rounds, medians, each timed from the command to its summary.\n`);

    let tag = 0;
    const input = () => ({ prefix: 'src/', sizes: [`${SIZE}x${SIZE}`], destinationKey: `out/r${tag++}/{name}.{ext}`, fit: 'cover', format: 'jpeg', limit: images });
    const check = (variant, output) => {
      if (output.processed !== images) throw new Error(`${variant} processed ${output.processed} of ${images}: ${JSON.stringify(output.failures?.[0] ?? output.failedJobs?.[0])}`);
    };
    const single = async () => {
      const { output, seconds } = await cli(home, ['run', 'resizeMany', '--connection', 'bench', '--input', JSON.stringify(input()), '--json']);
      check('one process', output);
      return { perSecond: images / seconds };
    };
    const sharded = async () => {
      const cpu = await redisCpuSeconds(redis);
      const { output, seconds } = await cli(home, ['run', 'resizeMany', '--connection', 'bench', '--queue', redisServer.url, '--shards', String(SHARDS), '--input', JSON.stringify(input())]);
      check('sharded', output);
      return { perSecond: images / seconds, redisCpuMs: ((await redisCpuSeconds(redis)) - cpu) * 1000 / images, jobs: output.jobs };
    };

    const results = { single: [], one: [], two: [] };
    // Warm-up: the first run of each kind pays for cold caches.
    await single();
    workers.push(await startWorker(home, redisServer.url));
    await sharded();
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? ['two', 'one', 'single'] : ['single', 'one', 'two'];
      for (const variant of order) {
        if (variant === 'single') results.single.push(await single());
        else {
          // One worker stays up throughout; the second joins for the "two" runs only.
          if (variant === 'two') workers.push(await startWorker(home, redisServer.url));
          results[variant].push(await sharded());
          if (variant === 'two') await workers.pop().stop();
        }
      }
    }

    // The Redis commands clients send, with the two workers: MONITOR sees each, and those Lua scripts run inside Redis.
    workers.push(await startWorker(home, redisServer.url));
    const monitor = await redis.monitor();
    const sent = new Map();
    let inScripts = 0;
    monitor.on('monitor', (_time, args, source) => {
      if (source === 'lua') inScripts++;
      else sent.set(String(args[0]).toLowerCase(), (sent.get(String(args[0]).toLowerCase()) ?? 0) + 1);
    });
    const counted = await sharded();
    monitor.disconnect();

    const of = (variant, field) => median(results[variant].map((r) => r[field]));
    const base = of('single', 'perSecond');
    console.log('| variant | images/s | vs one process |');
    console.log('|---|---:|---:|');
    console.log(`| resizeMany in one process (\`run resizeMany\`) | ${base.toFixed(1)} | 1.00x |`);
    console.log(`| sharded, 1 worker process | ${of('one', 'perSecond').toFixed(1)} | ${(of('one', 'perSecond') / base).toFixed(2)}x |`);
    console.log(`| sharded, 2 worker processes | ${of('two', 'perSecond').toFixed(1)} | ${(of('two', 'perSecond') / base).toFixed(2)}x |`);

    // Per job, since a job's Redis work hardly depends on how many images it holds; per image then
    // follows from the job size (DEFAULT_IMAGES_PER_JOB when the input sets no limit).
    const jobs = counted.jobs;
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    const top = [...sent].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, n]) => `${name} ${(n / jobs).toFixed(1)}`).join(', ');
    const redisMsPerJob = (median([...results.one, ...results.two].map((r) => r.redisCpuMs)) * images) / jobs;
    const perJob = images / jobs;
    console.log(`\nQueue cost (${jobs} range jobs of ${perJob.toFixed(0)} images, with 2 workers):`);
    console.log(`- Redis commands the clients send: ${(total / jobs).toFixed(1)} per job (${top}), so ${(total / images).toFixed(2)} per image here and ${(total / jobs / 250).toFixed(3)} at 250 images per job; the Lua scripts among them run ${(inScripts / jobs).toFixed(1)} commands per job inside Redis.`);
    console.log(`- Redis CPU: ${redisMsPerJob.toFixed(2)} ms per job (the timed sharded runs, idle workers' polling included), so ${(redisMsPerJob / perJob).toFixed(3)} ms per image here and ${(redisMsPerJob / 250).toFixed(4)} at 250: one Redis core would serve ${Math.round((250 * 1000) / redisMsPerJob).toLocaleString('en')} images/s.`);
    console.log(`- Wall time per image, 1 worker minus one process: ${(1000 / of('one', 'perSecond') - 1000 / base).toFixed(1)} ms (the split's listing pass, queueing, job pickup and the summary, spread over ${images} images).`);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    redis.disconnect();
    await redisServer.stop();
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  }
}
