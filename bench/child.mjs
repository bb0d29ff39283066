// What the benches that measure in fresh processes share: running one measurement in a child
// process (this same bench file, told its job through an environment variable) and medians.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs `script` (a bench file's import.meta.url) in a fresh Node process with `job` as JSON in
 * the environment variable `variable`; resolves with the JSON of the last line it prints.
 */
export function measureInChild(script, variable, job) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(script)], {
      cwd: root,
      env: { ...process.env, [variable]: JSON.stringify(job), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').pop()));
      else reject(new Error(`${JSON.stringify(job).slice(0, 120)} failed (${code}): ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
