#!/usr/bin/env node
// `npm run generate`: everything src/generated/ holds comes from schemas/ (and connector.json), never
// edited by hand: the types (generate-types.mjs) and the validators (generate-validators.mjs).
// test/generated.test.ts fails when what is on disk differs from what this would write.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTypes } from './generate-types.mjs';
import { generateValidators } from './generate-validators.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src', 'generated');

/** Every generated file: its path and its content. */
export async function generate() {
  return new Map([...(await generateTypes()), ...(await generateValidators())]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outputs = await generate();
  await rm(outDir, { recursive: true, force: true });
  for (const [path, content] of outputs) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  console.log(`Generated ${outputs.size} files in ${relative(root, outDir)}/ (types and validators)`);
}
