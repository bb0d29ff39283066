#!/usr/bin/env node
// Prints vitest's own counts as the plain line CI reads ("N passed, N failed") and exits non-zero on any
// failure, on a missing report (the build or typecheck failed before vitest ran), or on a run of no tests.
// Arguments: one or more pairs `<report> <npm test's exit status>` (CI runs the suite on Node 20 and
// on Node 22): with more than one, each run gets its own line first and the last line adds them up.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const pairs = args.length === 0 ? [['reports/vitest.json', '0']] : [];
for (let i = 0; i < args.length; i += 2) pairs.push([args[i], args[i + 1] ?? '0']);

/** One run's counts; a run that wrote no report, or failed without a failing test, counts one failure. */
function counts(path, statusText) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.log(`No vitest report at ${path}: the build, typecheck or test run failed before vitest wrote its counts.`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const passed = report.numPassedTests ?? 0;
  const failed = (report.numFailedTests ?? 0) + (report.success === false && (report.numFailedTests ?? 0) === 0 ? 1 : 0);
  // `npm test` failed with every test green (unhandled errors, a failed typecheck after tests): still a failure.
  const status = Number(statusText);
  const unaccounted = status !== 0 && failed === 0 ? 1 : 0;
  if (unaccounted) console.log(`${path}: npm test exited ${status} although no test failed: see the errors above.`);
  // A run of no tests is no pass.
  const empty = passed === 0 && failed + unaccounted === 0 ? 1 : 0;
  if (empty) console.log(`${path}: vitest ran no test.`);
  return { passed, failed: failed + unaccounted + empty, skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0) };
}

const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
const runs = pairs.map(([path, status]) => ({ path, ...counts(path, status) }));
if (runs.length > 1) for (const run of runs) console.log(`${run.path}: ${line(run)}`);
const total = runs.reduce((sum, run) => ({ passed: sum.passed + run.passed, failed: sum.failed + run.failed, skipped: sum.skipped + run.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(line(total));
process.exit(total.failed > 0 ? 1 : 0);
