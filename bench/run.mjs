#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs in turn against the built package (dist/) and the
// embedded emulator. Each prints its own table of medians and ratios measured side by side.
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.mjs') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.mjs', '')}\n`);
  const mod = await import(pathToFileURL(join(here, file)).href);
  await mod.default();
}
