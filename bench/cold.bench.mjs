// Cold start: what a host that loads the connector for each run (Activepieces' sandboxes,
// serverless functions, the CLI's one process per command) pays before its first answer. Every
// figure comes from a fresh process, against importing @aws-sdk/client-s3 alone (the floor: no
// connector can load less) and against the raw SDK making the same first call:
// - importing the entry (dist/index.js), in wall time and in CPU time (less disturbed by other load);
// - the first testConnection result, and the first `head`, from the start of the import;
// - RSS right after the import.
// Also which on-demand packages the first head loaded (none expected: test/cold-start.test.ts).
// The emulator runs in its own process. Medians over COLD_BENCH_RUNS (default 15) runs, each run
// alternating which side goes first.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadedOnDemand } from '../test/helpers/on-demand.mjs';
import { measureInChild, median } from './child.mjs';
import { startEmulatorProcess } from './emulator.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const BUCKET = 'bench-cold';
const KEY = 'cold.txt';

// ---------------------------------------------------------------------------------------------
// Child: one cold start. Reads its job from the environment, prints one JSON line.
// ---------------------------------------------------------------------------------------------

async function child() {
  const job = JSON.parse(process.env.COLD_BENCH_CHILD);
  const connection = { name: 'bench', ...job.credentials, bucket: BUCKET, region: 'us-east-1', endpoint: job.endpoint };
  // Before the clock starts: the raw side's client settings (no SDK code in it, only types).
  const { emulatorClientConfig } = await import(pathToFileURL(join(root, 'dist/emulator.js')).href);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const loaded = job.side === 'entry' ? await import(pathToFileURL(join(root, 'dist/index.js')).href) : await import('@aws-sdk/client-s3');
  const imported = performance.now();
  const importCpu = process.cpuUsage(cpu);
  const rss = process.memoryUsage.rss();
  if (job.step !== 'import') await firstCall(job, loaded, connection, emulatorClientConfig);
  const answered = performance.now();
  process.stdout.write(
    `${JSON.stringify({
      importMs: imported - started,
      importCpuMs: (importCpu.user + importCpu.system) / 1000,
      firstMs: answered - started,
      rssMiB: rss / 1024 / 1024,
      onDemand: loadedOnDemand(),
    })}\n`,
  );
}

/** The same first request on both sides: what testConnection sends (ListObjectsV2 of one key), or a HEAD. */
async function firstCall(job, loaded, connection, clientConfig) {
  if (job.side === 'entry') {
    if (job.step === 'test') {
      const result = await loaded.testConnection(connection);
      if (!result.ok) throw new Error(result.message);
    } else {
      await loaded.actions.head({ key: KEY }, { connection });
    }
    return;
  }
  const { S3Client, ListObjectsV2Command, HeadObjectCommand } = loaded;
  const client = new S3Client(clientConfig(job.endpoint));
  await client.send(job.step === 'test' ? new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1 }) : new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
  client.destroy();
}

// ---------------------------------------------------------------------------------------------
// Parent: the emulator, the runs and the table.
// ---------------------------------------------------------------------------------------------

export default async function bench() {
  const runs = Number(process.env.COLD_BENCH_RUNS ?? 15);
  const { EMULATOR_CREDENTIALS } = await import(pathToFileURL(join(root, 'dist/emulator.js')).href);
  const emulator = await startEmulatorProcess({ buckets: [BUCKET] });
  try {
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ region: 'us-east-1', endpoint: emulator.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'cold', ContentType: 'text/plain' }));
    client.destroy();
    console.log(`Node.js ${process.version}; every figure from a fresh process; medians of ${runs} runs.\n`);

    const jobs = ['import', 'test', 'head'].flatMap((step) => ['entry', 'sdk'].map((side) => ({ side, step })));
    const results = new Map();
    for (let run = 0; run < runs; run++) {
      for (const { side, step } of run % 2 ? [...jobs].reverse() : jobs) {
        const result = await measureInChild(import.meta.url, 'COLD_BENCH_CHILD', { side, step, endpoint: emulator.endpoint, credentials: { ...EMULATOR_CREDENTIALS } });
        const key = `${side} ${step}`;
        results.set(key, [...(results.get(key) ?? []), result]);
      }
    }
    const of = (side, step, field) => median(results.get(`${side} ${step}`).map((r) => r[field]));
    const alone = { ms: of('sdk', 'import', 'importMs'), cpu: of('sdk', 'import', 'importCpuMs'), rss: of('sdk', 'import', 'rssMiB') };
    const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
    console.log('| cold start | connector entry | @aws-sdk/client-s3 import alone | vs that | raw SDK, same first call | vs that |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const entryImport = of('entry', 'import', 'importMs');
    console.log(`| import | ${entryImport.toFixed(0)} ms | ${alone.ms.toFixed(0)} ms | **${ratio(entryImport, alone.ms)}** | - | - |`);
    const entryCpu = of('entry', 'import', 'importCpuMs');
    console.log(`| import, CPU time | ${entryCpu.toFixed(0)} ms | ${alone.cpu.toFixed(0)} ms | ${ratio(entryCpu, alone.cpu)} | - | - |`);
    for (const [step, label] of [['test', 'first testConnection result'], ['head', 'first head']]) {
      const entry = of('entry', step, 'firstMs');
      const raw = of('sdk', step, 'firstMs');
      console.log(`| ${label} | ${entry.toFixed(0)} ms | ${alone.ms.toFixed(0)} ms | ${ratio(entry, alone.ms)} | ${raw.toFixed(0)} ms | ${ratio(entry, raw)} |`);
    }
    const entryRss = of('entry', 'import', 'rssMiB');
    console.log(`| RSS after import | ${entryRss.toFixed(0)} MiB | ${alone.rss.toFixed(0)} MiB | ${ratio(entryRss, alone.rss)} | - | - |`);
    const loaded = new Set(results.get('entry head').flatMap((r) => r.onDemand));
    console.log(`\nOn-demand packages loaded by the first head: ${loaded.size === 0 ? 'none' : [...loaded].join(', ')}.`);
  } finally {
    await emulator.close();
  }
}

if (process.env.COLD_BENCH_CHILD) await child();
