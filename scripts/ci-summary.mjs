#!/usr/bin/env node
// Prints vitest's own counts as the plain line CI reads ("N passed, N failed") and exits non-zero on any
// failure, on a missing report (the build or typecheck failed before vitest ran), or on a run of no tests.
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'reports/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch {
  console.log(`No vitest report at ${path}: the build, typecheck or test run failed before vitest wrote its counts.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.success === false && (report.numFailedTests ?? 0) === 0 ? 1 : 0);
// `npm test` failed with every test green (unhandled errors, a failed typecheck after tests): still a failure.
const status = Number(process.argv[3] ?? 0);
const unaccounted = status !== 0 && failed === 0 ? 1 : 0;
if (unaccounted) console.log(`npm test exited ${status} although no test failed: see the errors above.`);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed + unaccounted} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed + unaccounted > 0 || passed === 0 ? 1 : 0);
