/**
 * The validators built at build time (src/generated/validators.js, Ajv standalone code) stand in for
 * Ajv compiling the schemas when the package loads: every schema the manifest names has one, and
 * each reports exactly the errors Ajv would, with the `parentSchema`, `schema` and `data` the
 * messages in src/validate.ts are written from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { AJV_OPTIONS, ANNOTATION_KEYWORDS, validators } from '../src/generated/validators.js';
import { validator } from '../src/validate.js';
import { ConnectorError } from '../src/errors.js';

type Schema = Record<string, unknown>;

const root = join(import.meta.dirname, '..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Schema;
const manifest = read('connector.json') as {
  connection: { schema: string };
  actions: Array<{ input: string; output: string }>;
  triggers?: Array<{ input: string; output: string }>;
};
// What the connector validates at run time: the connection and every hook's input (outputs are for hosts).
const named = [manifest.connection.schema, ...[...manifest.actions, ...(manifest.triggers ?? [])].map((entry) => entry.input)];
const schemas = named.map((path) => ({ path, schema: read(path) }));

function runtimeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ ...AJV_OPTIONS });
  addFormats(ajv);
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
  return ajv;
}

/** Values of every JSON type, to put where the schema wants another. */
const ODD_VALUES: unknown[] = [null, true, -1, 2.5, 0, '', 'x'.repeat(2000), ' spaced ', [], [1, 'a'], {}, { nested: { deep: 1 } }];

/** Inputs that break the schema in as many ways as can be made blindly: each property given each odd value. */
function badInputs(schema: Schema): unknown[] {
  const properties = Object.keys((schema.properties ?? {}) as Schema);
  return [
    undefined,
    null,
    'text',
    {},
    { unknownField: 1, anotherOne: true },
    ...properties.flatMap((name) => ODD_VALUES.map((value) => ({ [name]: value }))),
  ];
}

function errorsOf(check: (data: unknown) => boolean | Promise<unknown>, errors: () => ErrorObject[] | null | undefined, input: unknown) {
  const data = structuredClone(input);
  const valid = check(data);
  return { valid, data, errors: errors() ?? null };
}

describe('validators built at build time', () => {
  it.each(named)('%s has one, found by its $id', (path) => {
    const id = String(read(path).$id);
    expect(Object.keys(validators), `${path}: run \`npm run generate\``).toContain(id);
  });

  it('builds none for an output schema: nothing validates one at run time, and every cold start would parse it', () => {
    const outputs = [...manifest.actions, ...(manifest.triggers ?? [])].map((entry) => String(read(entry.output).$id));
    expect(Object.keys(validators).filter((id) => outputs.includes(id))).toEqual([]);
  });

  it.each(schemas)('$path reports exactly the errors Ajv compiling it now reports', ({ schema }) => {
    const built = validators[String(schema.$id)]!();
    const now = runtimeAjv().compile(schema);
    for (const input of badInputs(schema)) {
      const ours = errorsOf(built, () => built.errors, input);
      const theirs = errorsOf(now, () => now.errors, input);
      // Deep equality covers params, message, schema, parentSchema and data of every error, and the defaults applied.
      expect(ours, JSON.stringify(input)?.slice(0, 200)).toEqual(theirs);
    }
  });

  it('gives every error the parentSchema, schema and data the messages are written from', () => {
    const check = validators[String(read('schemas/connection.schema.json').$id)]!();
    expect(check({ name: 'n', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 's', bucket: 'b', region: 'us-east-1', maxAttempts: 0 })).toBe(false);
    const error = check.errors!.find((e) => e.instancePath === '/bucket' || e.instancePath === '/maxAttempts')!;
    expect(error.parentSchema).toEqual(expect.objectContaining({ type: expect.anything() }));
    expect(error).toHaveProperty('schema');
    expect(error).toHaveProperty('data');
  });

  it('tells a person the same as before: the connection form, through its built validator', () => {
    const validate = validator(read('schemas/connection.schema.json'), 'connection.');
    let thrown: unknown;
    try {
      validate({ name: 'n', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'secret', bucket: 'My_Bucket', region: 'us-east-1' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectorError);
    expect(thrown).toMatchObject({ code: 'InvalidInput', field: '/bucket' });
    expect((thrown as Error).message).toMatch(/^Expected a bucket name .* for `connection\.bucket` but received "My_Bucket"\. Edit the connection to fix it\.$/);
  });
});
