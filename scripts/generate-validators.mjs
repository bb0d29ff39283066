// Validators come from schemas/ too, compiled at build time into plain JavaScript (Ajv's standalone
// code): the entry compiles no schema when it loads, never loads Ajv itself, and runs where `new
// Function` is refused (strict CSP). src/validate.ts looks each schema up by its $id.
//
// Which schemas: every schema connector.json names (the connection, each action's and each
// trigger's input and output, whatever section is added next), and every JSON schema a module under
// src/ imports and passes to `validator()`. Nothing is listed by hand.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { BANNER } from './generate-types.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'src', 'generated');

/**
 * What src/validate.ts promises: all errors (the message picks the one a person should read first),
 * `verbose` (the message reads each error's `parentSchema`, `schema` and `data`), defaults applied.
 */
const OPTIONS = { strict: true, allErrors: true, verbose: true, useDefaults: true };
/** Form hints of the host contract, section 2: annotations only, so strict mode accepts them. */
const ANNOTATION_KEYWORDS = ['x-secret', 'x-order', 'x-group', 'x-enumNames', 'x-widget'];

/** Every schema path connector.json names: any string under schemas/ ending in .json, but its own `$schema`. */
function manifestSchemas(node, found = new Set()) {
  if (Array.isArray(node)) for (const item of node) manifestSchemas(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) if (key !== '$schema') manifestSchemas(value, found);
  } else if (typeof node === 'string' && /^schemas\/.+\.json$/.test(node)) found.add(node);
  return found;
}

async function sourceFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [])),
  );
  return nested.flat();
}

/** JSON files a module imports (`import schema from '../x.json'`) and passes to `validator(...)`. */
async function validatedImports(found = new Set()) {
  for (const file of await sourceFiles(join(root, 'src'))) {
    const text = await readFile(file, 'utf8');
    const imports = new Map([...text.matchAll(/import\s+(\w+)\s+from\s+'([^']+\.json)'/g)].map((m) => [m[1], m[2]]));
    for (const [, name] of text.matchAll(/\bvalidator(?:<[^>]*>)?\(\s*(\w+)/g)) {
      const path = imports.get(name);
      if (path) found.add(relative(root, resolve(dirname(file), path)));
    }
  }
  return found;
}

export async function generateValidators() {
  const manifest = JSON.parse(await readFile(join(root, 'connector.json'), 'utf8'));
  const paths = [...new Set([...manifestSchemas(manifest), ...(await validatedImports())])].sort();
  const ajv = new Ajv2020({ ...OPTIONS, code: { source: true, esm: true, lines: true } });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
  const ids = new Map();
  for (const path of paths) {
    const schema = JSON.parse(await readFile(join(root, path), 'utf8'));
    if (typeof schema.$id !== 'string') throw new Error(`${path} has no $id: src/validate.ts finds its validator by $id.`);
    if (ids.has(schema.$id)) throw new Error(`${path} and ${ids.get(schema.$id)} share the $id ${schema.$id}.`);
    ids.set(schema.$id, path);
    ajv.addSchema(schema);
  }
  // One standalone module per schema, each wrapped in a function that builds it on first call: loading
  // the entry only parses them, and an action's first call builds its own validator.
  // Standalone code reaches Ajv's runtime helpers (ucs2length, formats) with require(): this ES module
  // gets one of its own, resolved from where the code lands (src/generated, or dist/).
  const factories = [...ids.keys()].map((id) => {
    const name = String(ajv.getSchema(id).source.validateName);
    const code = standaloneCode(ajv, { [name]: id })
      .replace(/^"use strict";/, '')
      .replace(`export const ${name} = ${name};`, '')
      .trim();
    return `  ${JSON.stringify(id)}: () => {
${code}
return ${name};
  },`;
  });
  const js = [
    BANNER,
    `// Validators for ${ids.size} schemas, compiled by Ajv's ${ajv.constructor.name} with AJV_OPTIONS.`,
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    `export const AJV_OPTIONS = ${JSON.stringify(OPTIONS)};`,
    `export const ANNOTATION_KEYWORDS = ${JSON.stringify(ANNOTATION_KEYWORDS)};`,
    "/** By each schema's $id, a function that builds its validator. */",
    `export const validators = {\n${factories.join('\n')}\n};`,
    '',
  ].join('\n');
  const dts = [
    BANNER,
    "import type { Options, ValidateFunction } from 'ajv';",
    '',
    '/** The options the validators were compiled with; a schema the build did not see is compiled with the same. */',
    'export declare const AJV_OPTIONS: Readonly<Options>;',
    'export declare const ANNOTATION_KEYWORDS: readonly string[];',
    "/** By each schema's $id, a function that builds its validator (call it once). */",
    'export declare const validators: Readonly<Record<string, () => ValidateFunction>>;',
    '',
  ].join('\n');
  return new Map([
    [join(outDir, 'validators.js'), js],
    [join(outDir, 'validators.d.ts'), dts],
  ]);
}
