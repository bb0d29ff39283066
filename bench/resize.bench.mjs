// Resize: the connector's `resize` (S3 → sharp → S3, 200x200 cover JPEG) and `resizeMany` against
// raw sharp on in-memory buffers (the limit), on the same 12 MP photo-like JPEGs, with 1 and 2
// images in flight. Every measurement runs in a fresh child process, so its peak RSS is its own;
// rounds alternate the variants' order, and the table gives medians and ratios.
// Two more rows answer "stream or buffer input?" for the S3 → S3 path with the plain SDK.
//
// The emulator runs in this (parent) process, on the same 2 cores: S3's side of the work competes
// with sharp here, as it would not against AWS. So the table also gives CPU time per image: the
// child's own (its "vs raw" is raw's CPU over the variant's, an efficiency) and the emulator's.
// Real S3 also answers each request 20-100 ms later: every S3 variant runs again behind a delay
// proxy (bench/delay-proxy.mjs) that holds each request that long.
// resizeMany's own table says where its time goes, from the stages it logs per source at debug
// level: how much of the run sharp was busy, the median ms of each stage, and the CPU per image of
// the child's main thread (the S3 client and the connector) and of its other threads (sharp).
// Knobs: RESIZE_BENCH_IMAGES (default 40), RESIZE_BENCH_ROUNDS (default 5), RESIZE_BENCH_VARIANTS
// (comma-separated, default all; raw is always measured, as every ratio is against it),
// RESIZE_BENCH_DELAYS (ms per request, comma-separated, default "0,30").
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measureInChild, median } from './child.mjs';
import { startDelayProxy } from './delay-proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const BUCKET = 'bench';
const SIZE = 200;

// ---------------------------------------------------------------------------------------------
// Child: one measurement. Reads its job from the environment, prints one JSON line.
// ---------------------------------------------------------------------------------------------

async function child() {
  const job = JSON.parse(process.env.RESIZE_BENCH_CHILD);
  const { default: sharp } = await import('sharp');
  // The connector's own settings (src/image/sharp.ts), so raw differs only by S3 and the connector.
  sharp.concurrency(1);
  sharp.cache(false);
  const { S3Client, GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { actions } = await import(pathToFileURL(join(root, 'dist/index.js')).href);
  const { emulatorClientConfig } = await import(pathToFileURL(join(root, 'dist/emulator.js')).href);
  const keys = Array.from({ length: job.images }, (_, i) => `src/photo-${String(i).padStart(3, '0')}.jpg`);
  const connection = { name: 'bench', ...job.credentials, bucket: BUCKET, region: 'us-east-1', endpoint: job.endpoint };
  const client = new S3Client(emulatorClientConfig(job.endpoint));
  const photo = await readFile(job.photo);
  const out = (key) => `out/${job.tag}/${key.slice(4)}`;
  const thumbnail = (input) => input.resize({ width: SIZE, height: SIZE, fit: 'cover' }).jpeg().toBuffer();

  const one = {
    raw: () => thumbnail(sharp(photo)),
    connector: (key) => actions.resize({ key, destinationKey: out(key), size: `${SIZE}x${SIZE}`, fit: 'cover', format: 'jpeg' }, { connection }),
    'sdk-buffer': async (key) => {
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      // Chunks gathered and joined once, as sharp's stream input does and as the connector does.
      const chunks = [];
      for await (const chunk of got.Body) chunks.push(chunk);
      const data = await thumbnail(sharp(Buffer.concat(chunks)));
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: out(key), Body: data, ContentType: 'image/jpeg' }));
    },
    'sdk-stream': async (key) => {
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const pipeline = sharp();
      got.Body.pipe(pipeline);
      const data = await thumbnail(pipeline);
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: out(key), Body: data, ContentType: 'image/jpeg' }));
    },
  };

  const inFlight = async (items, work) => {
    let next = 0;
    await Promise.all(Array.from({ length: job.inFlight }, async () => {
      while (next < items.length) await work(items[next++]);
    }));
  };

  // Warm up: load libvips' codecs, open connections, fill the JIT.
  const warm = keys.slice(0, 2 * job.inFlight);
  if (job.variant === 'many') {
    await actions.resizeMany({ prefix: 'src/', sizes: [`${SIZE}x${SIZE}`], destinationKey: `warm/${job.tag}/{name}.{ext}`, fit: 'cover', format: 'jpeg', limit: warm.length, concurrency: job.inFlight }, { connection });
  } else {
    await inFlight(warm, one[job.variant]);
  }

  const stages = [];
  const logger = { debug: (message, data) => message === 'resizeMany: stages' && stages.push(data), info() {}, warn() {}, error() {} };
  const threads0 = threadCpu();
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (job.variant === 'many') {
    const summary = await actions.resizeMany(
      { prefix: 'src/', sizes: [`${SIZE}x${SIZE}`], destinationKey: `out/${job.tag}/{name}.{ext}`, fit: 'cover', format: 'jpeg', limit: keys.length, concurrency: job.inFlight },
      { connection, logger },
    );
    if (summary.processed !== keys.length) throw new Error(`resizeMany processed ${summary.processed} of ${keys.length}: ${JSON.stringify(summary.failures[0])}`);
  } else {
    await inFlight(keys, one[job.variant]);
  }
  const ended = performance.now();
  const used = process.cpuUsage(cpu);
  const threads = threadCpu(threads0);
  process.stdout.write(
    `${JSON.stringify({
      perSecond: keys.length / ((ended - started) / 1000),
      cpuMs: (used.user + used.system) / 1000 / keys.length,
      peakMiB: process.resourceUsage().maxRSS / 1024,
      ...(threads ? { mainCpuMs: threads.main / keys.length, otherCpuMs: threads.others / keys.length } : {}),
      ...(stages.length > 0 ? stageFigures(stages, started, ended, job.inFlight) : {}),
    })}\n`,
  );
}

/**
 * CPU ms of this process's main thread (JavaScript: the S3 client, the connector) and of all its
 * other threads (sharp's, libuv's, V8's), from /proc (Linux only; undefined elsewhere). With
 * `since`, the CPU used since then.
 */
function threadCpu(since) {
  let tasks;
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const tick = 1000 / 100; // USER_HZ: clock ticks per second on Linux
  const now = { main: 0, others: 0 };
  for (const task of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
      now[task === String(process.pid) ? 'main' : 'others'] += ms;
    } catch {
      // the thread ended meanwhile
    }
  }
  return since ? { main: now.main - since.main, others: now.others - since.others } : now;
}

/** From resizeMany's per-source stages (src/image/batch.ts): where the run's time went. */
function stageFigures(stages, started, ended, slots) {
  const spans = (pick) => stages.flatMap(pick).filter(Boolean).map(([from, to]) => to - from);
  const renders = stages.flatMap((s) => s.render);
  const busy = renders.reduce((sum, [, began, done]) => sum + done - began, 0);
  return {
    sharpBusy: busy / ((ended - started) * slots),
    firstRenderMs: Math.min(...renders.map(([, began]) => began)) - started,
    stageMs: {
      check: median(spans((s) => [s.check])),
      queue: median(spans((s) => [s.queue])),
      download: median(spans((s) => [s.download])),
      cpuWait: median(renders.map(([asked, began]) => began - asked)),
      render: median(renders.map(([, began, done]) => done - began)),
      upload: median(spans((s) => s.upload)),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parent: the emulator, the inputs, the rounds and the table.
// ---------------------------------------------------------------------------------------------

/** A 12 MP photo-like JPEG: smooth gradients and shapes under fine grain, about 3 MB at quality 90. */
async function makePhoto(sharp) {
  const width = 4000;
  const height = 3000;
  const base = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const sky = y < height * 0.45;
      base[o] = sky ? 90 + (y * 80) / height : 70 + 60 * Math.sin(x / 170) + (y * 40) / height;
      base[o + 1] = sky ? 140 + (y * 60) / height : 90 + 40 * Math.cos(y / 90) + 30 * Math.sin((x + y) / 300);
      base[o + 2] = sky ? 220 - (y * 40) / height : 50 + 30 * Math.sin(x / 60) * Math.cos(y / 80);
    }
  }
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 28 } } })
    .blur(0.8)
    .raw()
    .toBuffer();
  return sharp(base, { raw: { width, height, channels: 3 } })
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

export default async function bench() {
  const images = Number(process.env.RESIZE_BENCH_IMAGES ?? 40);
  const rounds = Number(process.env.RESIZE_BENCH_ROUNDS ?? 5);
  const delays = (process.env.RESIZE_BENCH_DELAYS ?? '0,30').split(',').map(Number);
  if (delays.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`RESIZE_BENCH_DELAYS must list whole milliseconds, e.g. "0,30"; received "${process.env.RESIZE_BENCH_DELAYS}".`);
  const dir = await mkdtemp(join(tmpdir(), 'resize-bench-'));
  const { startEmulator, EMULATOR_CREDENTIALS } = await import(pathToFileURL(join(root, 'dist/emulator.js')).href);
  const emulator = await startEmulator({ buckets: [BUCKET] });
  // One endpoint per delay: the emulator itself, or a proxy holding each request that long.
  const proxies = new Map(await Promise.all(delays.filter((d) => d > 0).map(async (d) => [d, await startDelayProxy(emulator.endpoint, d)])));
  const endpointFor = (delay) => (delay > 0 ? proxies.get(delay).endpoint : emulator.endpoint);
  try {
    const { default: sharp } = await import('sharp');
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const photo = await makePhoto(sharp);
    const photoPath = join(dir, 'photo.jpg');
    await writeFile(photoPath, photo);
    const client = new S3Client({ region: 'us-east-1', endpoint: emulator.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    for (let i = 0; i < images; i++) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `src/photo-${String(i).padStart(3, '0')}.jpg`, Body: photo, ContentType: 'image/jpeg' }));
    }
    client.destroy();
    console.log(`${images} copies of a ${(photo.length / 1024 / 1024).toFixed(1)} MiB 4000x3000 JPEG → ${SIZE}x${SIZE} cover JPEG; ${rounds} rounds, medians; S3 requests delayed by ${delays.join(' and ')} ms.\n`);

    const all = ['raw', 'connector', 'many', 'sdk-buffer', 'sdk-stream'];
    const chosen = process.env.RESIZE_BENCH_VARIANTS?.split(',').map((v) => v.trim());
    const unknown = (chosen ?? []).filter((v) => !all.includes(v));
    if (unknown.length > 0) throw new Error(`RESIZE_BENCH_VARIANTS names ${unknown.join(', ')}; the variants are ${all.join(', ')}.`);
    const variants = all.filter((v) => v === 'raw' || !chosen || chosen.includes(v));
    // Raw sharp reads no S3: measured once per round, whatever the delay.
    const cells = (inFlight) => variants.flatMap((variant) => (variant === 'raw' ? [{ variant, delay: 0 }] : delays.map((delay) => ({ variant, delay }))));
    const results = new Map();
    let tag = 0;
    for (let round = 0; round < rounds; round++) {
      for (const inFlight of round % 2 ? [2, 1] : [1, 2]) {
        for (const { variant, delay } of round % 2 ? cells(inFlight).reverse() : cells(inFlight)) {
          const job = { variant, inFlight, images, photo: photoPath, endpoint: endpointFor(delay), credentials: { ...EMULATOR_CREDENTIALS }, tag: `r${tag++}` };
          const before = process.cpuUsage();
          const result = await measureInChild(import.meta.url, 'RESIZE_BENCH_CHILD', job);
          const served = process.cpuUsage(before);
          // The emulator's share (and the delay proxy's): this process does nothing else meanwhile
          // (warm-up included, so an upper bound).
          result.emulatorMs = (served.user + served.system) / 1000 / images;
          const key = `${variant} ${inFlight} ${delay}`;
          results.set(key, [...(results.get(key) ?? []), result]);
        }
      }
    }

    const row = (variant, inFlight, delay = 0) => {
      const runs = results.get(`${variant} ${inFlight} ${variant === 'raw' ? 0 : delay}`);
      const of = (field) => median(runs.map((r) => r[field]));
      const stage = (name) => median(runs.map((r) => r.stageMs[name]));
      return {
        perSecond: of('perSecond'),
        cpuMs: of('cpuMs'),
        emulatorMs: of('emulatorMs'),
        peakMiB: of('peakMiB'),
        mainCpuMs: of('mainCpuMs'),
        otherCpuMs: of('otherCpuMs'),
        ...(runs[0].stageMs ? { sharpBusy: of('sharpBusy'), firstRenderMs: of('firstRenderMs'), stage } : {}),
      };
    };
    const labels = {
      raw: 'raw sharp, in-memory buffer (the limit)',
      connector: 'connector resize, S3 → S3',
      many: 'connector resizeMany, S3 → S3',
      'sdk-buffer': 'plain SDK + sharp, buffer input',
      'sdk-stream': 'plain SDK + sharp, stream input',
    };
    console.log('| variant | in flight | delay ms | images/s | vs raw | CPU ms/image | vs raw | emulator CPU ms/image | peak RSS MiB | vs raw |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const inFlight of [1, 2]) {
      const raw = row('raw', inFlight);
      for (const { variant, delay } of cells(inFlight)) {
        const r = row(variant, inFlight, delay);
        console.log(
          `| ${labels[variant]} | ${inFlight} | ${variant === 'raw' ? '-' : delay} | ${r.perSecond.toFixed(1)} | ${(r.perSecond / raw.perSecond).toFixed(2)}x | ${r.cpuMs.toFixed(1)} | ${(raw.cpuMs / r.cpuMs).toFixed(2)}x | ${r.emulatorMs.toFixed(1)} | ${r.peakMiB.toFixed(0)} | ${(r.peakMiB / raw.peakMiB).toFixed(2)}x |`,
        );
      }
    }
    for (const inFlight of variants.includes('sdk-stream') && variants.includes('sdk-buffer') ? [1, 2] : []) {
      const buffer = row('sdk-buffer', inFlight);
      const stream = row('sdk-stream', inFlight);
      console.log(`\nStream vs buffer input, ${inFlight} in flight: ${(stream.perSecond / buffer.perSecond).toFixed(2)}x the images/s, ${(stream.peakMiB - buffer.peakMiB).toFixed(0)} MiB more peak RSS.`);
    }
    // What S3 itself costs here: the best plain-SDK path (no connector work at all) against raw
    // sharp, and the S3 side's CPU per image (client beyond sharp's, plus the emulator's) against
    // sharp's own. On 2 busy cores that sum, not the connector, caps every S3 → S3 variant.
    const plain = variants.filter((v) => v.startsWith('sdk-'));
    for (const inFlight of plain.length > 0 ? [1, 2] : []) {
      const raw = row('raw', inFlight);
      const best = plain.map((v) => ({ v, r: row(v, inFlight) })).sort((a, b) => b.r.perSecond - a.r.perSecond)[0];
      // The parent's CPU while raw runs (spawning, reading its output) is no emulator work.
      const s3Cpu = best.r.cpuMs - raw.cpuMs + best.r.emulatorMs - raw.emulatorMs;
      const ours = ['connector', 'many'].filter((v) => variants.includes(v)).map((v) => `${v} ${(row(v, inFlight).perSecond / best.r.perSecond).toFixed(2)}x`);
      console.log(
        `\nCeiling, ${inFlight} in flight, no delay: plain SDK + sharp (${best.v}) reaches ${(best.r.perSecond / raw.perSecond).toFixed(2)}x of raw sharp; S3's side costs ${s3Cpu.toFixed(1)} ms of CPU per image against sharp's ${raw.cpuMs.toFixed(1)}. Against that ceiling: ${ours.join(', ') || 'no connector variant run'}.`,
      );
    }
    // Where resizeMany's time goes. Sharp busy: the share of the run (per CPU slot) sharp was
    // rendering; what is left is sharp waiting (the first image's LIST, HEAD and GET, or S3 falling
    // behind). A render slower than raw's own time per image is sharp sharing the cores.
    if (variants.includes('many')) {
      console.log('\nresizeMany, where the time goes (medians; ms per stage of one image; CPU ms per image by thread):\n');
      console.log('| in flight | delay ms | images/s | vs raw | sharp busy | first render at | check (HEAD) | wait for memory | download | wait for CPU | render (raw) | upload | main thread CPU | other threads CPU (raw) |');
      console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const inFlight of [1, 2]) {
        const raw = row('raw', inFlight);
        for (const delay of delays) {
          const r = row('many', inFlight, delay);
          const ms = (v) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
          console.log(
            `| ${inFlight} | ${delay} | ${r.perSecond.toFixed(1)} | ${(r.perSecond / raw.perSecond).toFixed(2)}x | ${(r.sharpBusy * 100).toFixed(0)}% | ${r.firstRenderMs.toFixed(0)} ms | ${ms(r.stage('check'))} | ${ms(r.stage('queue'))} | ${ms(r.stage('download'))} | ${ms(r.stage('cpuWait'))} | ${ms(r.stage('render'))} (${((1000 * inFlight) / raw.perSecond).toFixed(1)}) | ${ms(r.stage('upload'))} | ${ms(r.mainCpuMs)} | ${ms(r.otherCpuMs)} (${ms(raw.otherCpuMs)}) |`,
          );
        }
      }
    }
  } finally {
    for (const proxy of proxies.values()) await proxy.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.env.RESIZE_BENCH_CHILD) await child();
