#!/usr/bin/env node
// Prints vitest's own counts as the plain line CI reads ("N passed, N failed") and exits non-zero on any
// failure, on a missing report (the build or typecheck failed before vitest ran), or on a run of no tests.
// Takes one or more `<report.json> <exit status>` pairs (npm test's, the host adapters' run) and sums them.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const runs = [];
for (let i = 0; i < Math.max(args.length, 1); i += 2) runs.push({ path: args[i] ?? 'reports/vitest.json', status: Number(args[i + 1] ?? 0) });

let passed = 0;
let failed = 0;
let skipped = 0;
for (const { path, status } of runs) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.log(`No vitest report at ${path}: the build, typecheck or test run failed before vitest wrote its counts.`);
    failed += 1;
    continue;
  }
  const reportFailed = (report.numFailedTests ?? 0) + (report.success === false && (report.numFailedTests ?? 0) === 0 ? 1 : 0);
  // The run failed with every test green (unhandled errors, a failed typecheck after tests): still a failure.
  const unaccounted = status !== 0 && reportFailed === 0 ? 1 : 0;
  if (unaccounted) console.log(`The run that wrote ${path} exited ${status} although no test failed: see the errors above.`);
  passed += report.numPassedTests ?? 0;
  failed += reportFailed + unaccounted;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
