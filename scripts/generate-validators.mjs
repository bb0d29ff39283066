// Validators come from schemas/ too, compiled at build time into plain JavaScript (Ajv's standalone
// code): the entry compiles no schema when it loads, never loads Ajv itself, and runs where `new
// Function` is refused (strict CSP). src/validate.ts looks each schema up by its $id.
//
// Which schemas: the ones the connector validates at run time, that is the connection and every
// hook's input wherever connector.json names them (each action's and trigger's, whatever section is
// added next), and every JSON schema a module under src/ imports and passes to `validator()`. Output
// schemas describe what a hook returns for the host; nothing validates them at run time, and building
// them would only add to the code every cold start parses. Nothing is listed by hand.
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

/** The keys under which connector.json names a schema the connector validates: `connection.schema`, each `input`. */
const VALIDATED = new Set(['schema', 'input']);

/** Every schema path connector.json names under a validated key, at any depth. */
export function manifestSchemas(node, found = new Set(), key = '') {
  if (Array.isArray(node)) for (const item of node) manifestSchemas(item, found, key);
  else if (node !== null && typeof node === 'object') {
    for (const [name, value] of Object.entries(node)) manifestSchemas(value, found, name);
  } else if (typeof node === 'string' && VALIDATED.has(key) && /^schemas\/.+\.json$/.test(node)) found.add(node);
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
  const ajv = new Ajv2020({ ...OPTIONS });
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
  // One CommonJS file per schema under validators/, each required on its first use: importing the entry
  // parses none of them, and an action's first call parses only the schemas it validates against (the
  // connection's and its input's). CommonJS because validate() is synchronous and Node 20 cannot
  // require an ES module; Ajv's standalone code reaches its runtime helpers (ucs2length, formats) with
  // require() too. The build copies the folder beside the bundle (tsup.config.ts), so `./validators/`
  // resolves from this module in src/generated/ and from dist/index.js alike.
  const cjs = new Ajv2020({ ...OPTIONS, code: { source: true, esm: false, lines: true } });
  addFormats(cjs);
  for (const keyword of ANNOTATION_KEYWORDS) cjs.addKeyword({ keyword });
  for (const path of ids.values()) cjs.addSchema(JSON.parse(await readFile(join(root, path), 'utf8')));
  const files = new Map();
  const entries = [...ids].map(([id, path]) => {
    const file = `${path.replace(/^schemas\//, '').replace(/\.json$/, '').replace(/\//g, '.')}.cjs`;
    files.set(join(outDir, 'validators', file), `${BANNER}\n${standaloneCode(cjs, cjs.getSchema(id))}\n`);
    return `  ${JSON.stringify(id)}: () => load(${JSON.stringify(`./validators/${file}`)}),`;
  });
  const js = [
    BANNER,
    `// Validators for ${ids.size} schemas, compiled by Ajv's ${ajv.constructor.name} with AJV_OPTIONS, one file each in validators/.`,
    "import { createRequire } from 'node:module';",
    'const load = createRequire(import.meta.url);',
    `export const AJV_OPTIONS = ${JSON.stringify(OPTIONS)};`,
    `export const ANNOTATION_KEYWORDS = ${JSON.stringify(ANNOTATION_KEYWORDS)};`,
    "/** By each schema's $id, a function that loads its validator (call it once). */",
    `export const validators = {\n${entries.join('\n')}\n};`,
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
  return new Map([[join(outDir, 'validators.js'), js], [join(outDir, 'validators.d.ts'), dts], ...files]);
}
