/**
 * Every schema under schemas/ as a host sees it: draft 2020-12, compiled by a fresh strict Ajv2020
 * that knows only the contract's five annotation keywords, with the form hints hosts render.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostAjv } from './helpers/host-ajv.js';

type Schema = Record<string, unknown>;

const root = join(import.meta.dirname, '..');
const schemasDir = join(root, 'schemas');

function schemaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? schemaFiles(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : []))
    .sort();
}

const schemas = schemaFiles(schemasDir).map((file) => ({
  path: relative(root, file),
  schema: JSON.parse(readFileSync(file, 'utf8')) as Schema,
}));

const WIDGETS = ['password', 'textarea', 'file', 'code'];


/** Every subschema with its JSON Pointer (values of `properties`, `$defs`, `items`, `anyOf`…). */
function* subschemas(node: unknown, pointer = ''): Generator<{ pointer: string; schema: Schema }> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  const schema = node as Schema;
  yield { pointer, schema };
  for (const [key, value] of Object.entries(schema)) {
    if (['properties', '$defs', 'patternProperties', 'dependentSchemas'].includes(key) && value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value as Schema)) yield* subschemas(child, `${pointer}/${key}/${name}`);
    } else if (['anyOf', 'oneOf', 'allOf', 'prefixItems'].includes(key) && Array.isArray(value)) {
      for (const [i, child] of value.entries()) yield* subschemas(child, `${pointer}/${key}/${i}`);
    } else if (['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties'].includes(key)) {
      yield* subschemas(value, `${pointer}/${key}`);
    }
  }
}

describe.each(schemas)('$path', ({ path, schema }) => {
  it('compiles under a fresh strict Ajv2020 with only the five x- keywords', () => {
    expect(() => hostAjv().compile(schema)).not.toThrow();
  });

  it('is draft 2020-12 with an $id that ends in its own path', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(String(schema.$id)).toMatch(new RegExp(`/${path.replace(/[.]/g, '\\.')}$`));
  });

  it('is self-contained: every $ref points inside the file', () => {
    const refs = [...subschemas(schema)].map(({ schema: s }) => s.$ref).filter((r): r is string => typeof r === 'string');
    for (const ref of refs) expect(ref, `${path}: ${ref}`).toMatch(/^#/);
  });

  it('explains every pattern in words ($comment) for the error message', () => {
    for (const { pointer, schema: s } of subschemas(schema)) {
      if (s.pattern === undefined || pointer.includes('/if')) continue;
      expect(typeof s.$comment, `${path}#${pointer} has a pattern without a $comment`).toBe('string');
    }
  });

  it('uses the form hints as the contract defines them', () => {
    for (const { pointer, schema: s } of subschemas(schema)) {
      const where = `${path}#${pointer}`;
      if (s['x-enumNames'] !== undefined) {
        expect(Array.isArray(s.enum), `${where}: x-enumNames without enum`).toBe(true);
        expect((s['x-enumNames'] as unknown[]).length, `${where}: one name per enum value`).toBe((s.enum as unknown[]).length);
      }
      if (s['x-widget'] !== undefined) expect(WIDGETS, where).toContain(s['x-widget']);
      if (s['x-order'] !== undefined) expect(Number.isInteger(s['x-order']), where).toBe(true);
      if (s['x-group'] !== undefined) expect(typeof s['x-group'], where).toBe('string');
      if (s['x-secret'] !== undefined) expect(s['x-secret'], where).toBe(true);
      // A secret is both: the host encrypts x-secret and never sends writeOnly back to a browser.
      if (s['x-secret'] === true || s.writeOnly === true) {
        expect({ writeOnly: s.writeOnly, 'x-secret': s['x-secret'] }, `${where}: a secret needs writeOnly and x-secret`).toEqual({ writeOnly: true, 'x-secret': true });
      }
    }
  });

  it('gives examples that its own rules accept', () => {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const ajv = hostAjv();
    for (const [name, property] of Object.entries(properties)) {
      if (!Array.isArray(property.examples) || JSON.stringify(property).includes('"$ref"')) continue;
      const validate = ajv.compile(property);
      for (const example of property.examples) expect(validate(example), `${path}: example ${JSON.stringify(example)} for ${name}`).toBe(true);
    }
  });
});

describe('all schemas together', () => {
  it('have distinct $ids, so one host Ajv instance can hold them all', () => {
    const ids = schemas.map(({ schema }) => schema.$id);
    expect(new Set(ids).size).toBe(ids.length);
    const ajv = hostAjv();
    expect(() => schemas.forEach(({ schema }) => ajv.addSchema(schema))).not.toThrow();
  });
});

describe('the connection schema', () => {
  const schema = schemas.find((s) => s.path === join('schemas', 'connection.schema.json'))!.schema;
  const properties = schema.properties as Record<string, Schema>;
  const validate = hostAjv().compile(schema);
  const valid = { name: 'Images', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', bucket: 'my-images', region: 'eu-west-1' };
  const accepts = (change: Record<string, unknown>) => validate({ ...valid, ...change });

  it('requires exactly the contract\'s five fields, as strings', () => {
    expect([...(schema.required as string[])].sort()).toEqual(['accessKeyId', 'bucket', 'name', 'region', 'secretAccessKey']);
    for (const name of ['name', 'accessKeyId', 'secretAccessKey', 'bucket']) expect(properties[name]!.type, name).toBe('string');
  });

  it('has the contract\'s optional fields under their fixed names', () => {
    expect(properties.sessionToken).toMatchObject({ type: 'string', writeOnly: true, 'x-secret': true });
    expect(properties.endpoint).toMatchObject({ type: 'string' });
    expect(properties.forcePathStyle).toMatchObject({ type: 'boolean' });
    expect(properties.basePath).toMatchObject({ type: 'string' });
    expect(schema.additionalProperties).toBe(false);
  });

  it('marks both secrets writeOnly, x-secret and as password fields, and nothing else', () => {
    const secrets = Object.entries(properties).filter(([, p]) => p['x-secret'] === true).map(([name]) => name);
    expect(secrets.sort()).toEqual(['secretAccessKey', 'sessionToken']);
    for (const name of secrets) expect(properties[name], name).toMatchObject({ writeOnly: true, 'x-secret': true, 'x-widget': 'password' });
  });

  it('gives every field a title, a description a person can act on, and a distinct x-order', () => {
    for (const [name, property] of Object.entries(properties)) {
      expect(typeof property.title, `${name}.title`).toBe('string');
      expect(String(property.description).length, `${name}.description`).toBeGreaterThan(20);
      expect(Number.isInteger(property['x-order']), `${name}.x-order`).toBe(true);
    }
    const orders = Object.values(properties).map((p) => p['x-order']);
    expect(new Set(orders).size).toBe(orders.length);
  });

  it('gives examples for every free-text field that is not a secret', () => {
    for (const [name, property] of Object.entries(properties)) {
      if (property.type !== 'string' || property.enum || property['x-secret']) continue;
      expect(Array.isArray(property.examples) && property.examples.length > 0, `${name}.examples`).toBe(true);
    }
  });

  it('keeps the required fields in the main group and the rest under "advanced"', () => {
    for (const name of schema.required as string[]) expect(properties[name]!['x-group'], name).toBeUndefined();
    for (const name of ['basePath', 'endpoint', 'forcePathStyle', 'sessionToken', 'checksums', 'connectTimeoutMs', 'requestTimeoutMs', 'maxAttempts']) {
      expect(properties[name]?.['x-group'], name).toBe('advanced');
    }
  });

  it('tells the AWS console\'s place for the access key', () => {
    expect(properties.accessKeyId!.description).toMatch(/IAM .*Security credentials/);
  });

  it('catches real mistakes', () => {
    expect(accepts({})).toBe(true);
    // bucket naming rules
    for (const bucket of ['My-Bucket', 'my_bucket', 'ab', 'a'.repeat(64), '-images', 'images-', 'my..images', '192.168.0.1', 'xn--images', 'images-s3alias', 'arn:aws:s3:::images', 'https://images.s3.amazonaws.com']) {
      expect(accepts({ bucket }), bucket).toBe(false);
    }
    for (const bucket of ['abc', 'my.images.example.com', 'images-2024', 'a'.repeat(63)]) expect(accepts({ bucket }), bucket).toBe(true);
    // access key ID shape (AWS), anything without spaces for a custom endpoint
    expect(accepts({ accessKeyId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })).toBe(false);
    expect(accepts({ accessKeyId: 'AKIAIOSFODNN7EXAMPL' })).toBe(false);
    expect(accepts({ accessKeyId: 'minioadmin', endpoint: 'http://localhost:9000' })).toBe(true);
    expect(accepts({ accessKeyId: 'minio admin', endpoint: 'http://localhost:9000' })).toBe(false);
    // temporary credentials need their token
    expect(accepts({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE' })).toBe(false);
    expect(accepts({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: 'FwoGZXIvYXdzEXAMPLE' })).toBe(true);
    // a pasted secret with a stray space or line break
    expect(accepts({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ' })).toBe(false);
    expect(accepts({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: 'FwoGZXIvYXdzEXAMPLE\n' })).toBe(false);
    // endpoint must be an http(s) URL
    for (const endpoint of ['localhost:9000', 'ftp://files.example.com', 's3.example.com', 'http://', 'https://s3.example.com?x=1']) {
      expect(accepts({ endpoint }), endpoint).toBe(false);
    }
    for (const endpoint of ['http://localhost:9000', 'https://abc123.r2.cloudflarestorage.com', 'http://127.0.0.1:9000/s3']) {
      expect(accepts({ endpoint }), endpoint).toBe(true);
    }
  });

  it('offers the AWS regions as examples of one string field, and still accepts a custom region', () => {
    // One field in every host's form: an anyOf of a region list and a free text draws two in form libraries.
    expect(properties.region).toMatchObject({ type: 'string', default: 'us-east-1' });
    expect(properties.region!.anyOf).toBeUndefined();
    expect(properties.region!.examples).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'auto']));
    for (const region of properties.region!.examples as string[]) expect(accepts({ region }), region).toBe(true);
    for (const region of ['eu-west-1', 'auto', 'fr-par', 'us-east-005']) expect(accepts({ region }), region).toBe(true);
    for (const region of ['EU West', 'eu_west_1', '', 'eu-west-1 ']) expect(accepts({ region }), region).toBe(false);
  });
});
