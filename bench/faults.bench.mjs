// The fault matrix (test/faults.test.ts) run bigger, with its figures printed: the connector between
// the loopback fault proxy and the emulator, each run checked against what the emulator holds
// afterwards. FAULT_SCALE (default 3) multiplies the run counts; FAULT_SEED picks other faults.
// Only loopback is ever connected to.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const codes = (counts) =>
  Object.entries(counts ?? {})
    .map(([code, n]) => `${code} ${n}`)
    .join(', ') || 'none';

export function printFigures(f) {
  console.log(`Seed ${f.seed}, scale ${f.scale}.\n`);

  const get = f.getCuts;
  console.log(`### get cut at a random offset: ${get.runs} runs, false successes: ${get.falseSuccesses}\n`);
  console.log('| framing | verify | runs | false successes | error codes | median / max time to error |');
  console.log('|---|---|---:|---:|---|---:|');
  for (const r of get.rows) console.log(`| ${r.framing} | ${r.verify ? 'on' : 'off'} | ${r.runs} | ${r.falseSuccesses} | ${codes(r.codes)} | ${r.medianMsToError} / ${r.maxMsToError} ms |`);

  const put = f.putKills;
  console.log(`\n### put with the connection killed at a random byte: ${put.runs} runs\n`);
  console.log('| figure | value |');
  console.log('|---|---:|');
  for (const [kind, k] of Object.entries(put.byKind)) console.log(`| ${kind}: runs, recovered, failed (codes) | ${k.runs}, ${k.succeeded}, ${k.failed} (${codes(k.codes)}) |`);
  console.log(`| corrupt or partial objects | ${put.corruptOrPartial} |`);
  console.log(`| success reported for a missing object | ${put.successForMissing} |`);
  console.log(`| original error surfaced (not an abort's) | ${put.originalErrorSurfaced} |`);
  console.log(`| incomplete uploads before clean-up (named in details / create answer lost) | ${put.orphansBeforeCleanup} (${put.incompleteUploadsNamedInDetails} / ${put.createAnswersLost}) |`);
  console.log(`| orphaned uploads after "Clean up incomplete uploads" | ${put.orphansAfterCleanup} |`);
  console.log(`| median time to error | ${put.medianMsToError} ms |`);

  console.log(`\n### stalled transfers, request timeout ${f.stalls.limitMs} ms\n`);
  console.log('| case | attempts allowed | tries | outcome | time to error |');
  console.log('|---|---:|---:|---|---:|');
  for (const r of [...f.stalls.rows].sort((a, b) => a.case.localeCompare(b.case) || a.maxAttempts - b.maxAttempts)) {
    console.log(`| ${r.case} | ${r.maxAttempts} | ${r.tries} | ${r.code} | ${r.ms} ms |`);
  }

  if (f.slowLink) {
    const l = f.slowLink;
    console.log(`\nA slow link: ${l.bytes} bytes at ${l.bytesPerSecond} B/s with a ${l.requestTimeoutMs} ms request timeout arrived ${l.outcome} in ${l.ms} ms.`);
  }

  console.log('\n### SlowDown storms and a 500\n');
  console.log('| fault | attempts | outcome | total time |');
  console.log('|---|---:|---|---:|');
  for (const r of f.slowDown) console.log(`| ${r.storm} × 503 SlowDown on a list (3 attempts) | ${r.attempts} | ${r.outcome} | ${r.ms} ms |`);
  console.log(`| 500 on a small put's first attempt | ${f.smallPut500.attempts} | ${f.smallPut500.outcome} | ${f.smallPut500.ms} ms |`);

  const t = f.tenants;
  console.log(`\n### ${t.tenants} tenants at once (a put and a get each)\n`);
  console.log('| figure | value |');
  console.log('|---|---:|');
  console.log(`| clients cached (limit) | ${t.clientCacheSize} (${t.clientCacheLimit}) |`);
  console.log(`| client sockets open at the peak / after | ${t.peakClientSockets} / ${t.clientSocketsOpenAfter} |`);
  console.log(`| RSS growth at the peak / after | ${t.peakRssGrowthMiB} / ${t.rssGrowthAfterMiB} MiB |`);
  console.log(`| time | ${t.seconds} s |`);
}

export default async function faultsBench() {
  const dir = mkdtempSync(join(tmpdir(), 's3-connector-faults-'));
  const report = join(dir, 'faults.json');
  try {
    const run = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', 'test/faults.test.ts', '--reporter=dot'], {
      cwd: root,
      env: { ...process.env, FAULT_SCALE: process.env.FAULT_SCALE ?? '3', FAULT_REPORT: report },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) {
      console.log(run.stdout, run.stderr);
      throw new Error(`The fault matrix failed (exit ${run.status}): see above.`);
    }
    printFigures(JSON.parse(readFileSync(report, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
