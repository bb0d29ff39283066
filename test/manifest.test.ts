/**
 * connector.json is what a host reads first: it must match its schema and the contract, and every
 * path in it must exist and ship in the published package.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostAjv } from './helpers/host-ajv.js';
import tsupConfig from '../tsup.config.js';
import * as entry from '../src/index.js';

const root = join(import.meta.dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

interface ManifestAction {
  id: string;
  name: string;
  description: string;
  group?: string;
  input: string;
  output: string;
  suggest?: Record<string, string>;
}
interface ManifestTrigger extends ManifestAction {
  kind: string;
  minIntervalSeconds: number;
}
interface Manifest {
  manifestVersion: number;
  id: string;
  version: string;
  icon: string;
  entry: string;
  connection: { schema: string; test: string; label: string };
  actions: ManifestAction[];
  triggers?: ManifestTrigger[];
}

const manifest = readJson('connector.json') as unknown as Manifest;
const pkg = readJson('package.json') as { version: string; files: string[]; exports: Record<string, unknown>; type: string };


function manifestPaths(): string[] {
  const hooks = [...manifest.actions, ...(manifest.triggers ?? [])];
  return [manifest.icon, manifest.entry, manifest.connection.schema, ...hooks.flatMap((a) => [a.input, a.output])];
}

describe('connector.json', () => {
  it('validates against schemas/manifest.schema.json', () => {
    const validate = hostAjv().compile(readJson('schemas/manifest.schema.json'));
    const valid = validate(manifest);
    expect(validate.errors ?? [], 'connector.json does not match its schema').toEqual([]);
    expect(valid).toBe(true);
  });

  it('is the contract\'s manifest, version 1, for amazon-s3', () => {
    expect(manifest).toMatchObject({ manifestVersion: 1, id: 'amazon-s3', entry: 'dist/index.js', connection: { test: 'testConnection' } });
  });

  it('has the same version as package.json', () => {
    expect(manifest.version).toBe(pkg.version);
  });

  it('has an SVG icon', () => {
    expect(manifest.icon).toMatch(/^icons\/[^/]+\.svg$/);
    const svg = readFileSync(join(root, manifest.icon), 'utf8').trim();
    expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?<svg[\s>]/);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toMatch(/<\/svg>$/);
  });

  it('names a schema path for the connection and for every action input and output that exists', () => {
    for (const path of manifestPaths().filter((p) => p !== manifest.entry)) {
      expect(existsSync(join(root, path)), `${path} is missing`).toBe(true);
    }
  });

  it("points its entry at the ES module tsup builds from src/index.ts, which package.json exports", () => {
    const configs = Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig];
    const built = configs.find((c) => typeof c === 'object' && c.entry && !Array.isArray(c.entry) && (c.entry as Record<string, string>).index === 'src/index.ts');
    expect(built, 'tsup.config.ts builds src/index.ts as "index"').toBeDefined();
    expect((built as { format?: string[] }).format).toContain('esm');
    expect(pkg.type).toBe('module'); // so tsup names the ESM output index.js
    expect(manifest.entry).toBe('dist/index.js');
    expect((pkg.exports['.'] as { import: { default: string } }).import.default).toBe(`./${manifest.entry}`);
  });

  describe('in the published package', () => {
    let packed: string[] = [];
    beforeAll(async () => {
      // npm's own file list for `npm publish`, without running any script.
      const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
      packed = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    });

    it('ships connector.json and every path it names', () => {
      expect(packed).toContain('connector.json');
      for (const path of manifestPaths().filter((p) => p !== manifest.entry)) expect(packed, `${path} would not be published`).toContain(path);
    });

    it('ships the entry (dist/ is in "files"; npm test builds it before this runs)', () => {
      expect(pkg.files).toContain(manifest.entry.split('/')[0]);
      if (existsSync(join(root, manifest.entry))) expect(packed).toContain(manifest.entry);
    });

    it('ships every schema, so a host can resolve any of them', () => {
      expect(packed.filter((p) => p.startsWith('schemas/'))).toEqual(expect.arrayContaining(['schemas/connection.schema.json', 'schemas/manifest.schema.json']));
    });

    it('does not ship tests, sources of the patch step or local reports', () => {
      expect(packed.filter((p) => /^(test|patches|reports|src|bench|scripts)\//.test(p))).toEqual([]);
    });
  });

  describe('actions', () => {
    it('declares exactly the actions the entry module exports', () => {
      expect(manifest.actions.map((a) => a.id).sort()).toEqual(Object.keys(entry.actions).sort());
      for (const action of manifest.actions) expect(typeof entry.actions[action.id], action.id).toBe('function');
    });

    it('has unique action ids', () => {
      const ids = manifest.actions.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('uses the action\'s own input and output schemas', () => {
      for (const action of manifest.actions) {
        expect(action.input).toBe(`schemas/actions/${action.id}.input.json`);
        expect(action.output).toBe(`schemas/actions/${action.id}.output.json`);
      }
    });

    it('exports the test hook it names', () => {
      expect(typeof (entry as Record<string, unknown>)[manifest.connection.test]).toBe('function');
    });
  });

  describe('suggest maps (contract 1.2, section 6)', () => {
    const validate = hostAjv().compile(readJson('schemas/manifest.schema.json'));
    const withSuggest = (suggest: unknown) => ({ ...manifest, actions: [{ ...manifest.actions[0]!, suggest }] });

    it('exports the suggest hook, since actions name fields in `suggest`', () => {
      expect(manifest.actions.some((a) => a.suggest !== undefined)).toBe(true);
      expect(typeof entry.suggest).toBe('function');
    });

    it('accepts JSON Pointers to a kind of suggestion, and refuses anything else', () => {
      expect(validate(withSuggest({ '/key': 'key', '/prefix': 'prefix', '/source~1key': 'image' }))).toBe(true);
      for (const bad of [{}, { key: 'key' }, { '/key': 'bucket' }, { '/key': true }]) {
        expect(validate(withSuggest(bad)), JSON.stringify(bad)).toBe(false);
      }
    });
  });

  describe('triggers (contract 1.1, section 5)', () => {
    const declared = manifest.triggers ?? [];

    it('declares exactly the triggers the entry module exports, each with poll and sample', () => {
      expect(declared.map((t) => t.id).sort()).toEqual(Object.keys(entry.triggers).sort());
      for (const trigger of declared) {
        const hooks = entry.triggers[trigger.id]!;
        expect(typeof hooks.poll, `${trigger.id}.poll`).toBe('function');
        expect(typeof hooks.sample, `${trigger.id}.sample`).toBe('function');
        if (hooks.enable !== undefined) expect(typeof hooks.enable, `${trigger.id}.enable`).toBe('function');
      }
    });

    it('are polling triggers with a minimum interval, and ids that no action uses', () => {
      expect(declared.length).toBeGreaterThan(0);
      for (const trigger of declared) {
        expect(trigger.kind).toBe('polling');
        expect(Number.isInteger(trigger.minIntervalSeconds) && trigger.minIntervalSeconds >= 1).toBe(true);
        expect(manifest.actions.map((a) => a.id)).not.toContain(trigger.id);
      }
      expect(new Set(declared.map((t) => t.id)).size).toBe(declared.length);
    });

    it("uses the trigger's own input and output (one event's data) schemas", () => {
      for (const trigger of declared) {
        expect(trigger.input).toBe(`schemas/triggers/${trigger.id}.input.json`);
        expect(trigger.output).toBe(`schemas/triggers/${trigger.id}.output.json`);
      }
    });

    it('is refused by the manifest schema when a trigger is not polling or lacks its interval', () => {
      const validate = hostAjv().compile(readJson('schemas/manifest.schema.json'));
      const [first] = declared;
      expect(validate({ ...manifest, triggers: [{ ...first, kind: 'webhook' }] })).toBe(false);
      const { minIntervalSeconds: _dropped, ...withoutInterval } = first!;
      expect(validate({ ...manifest, triggers: [withoutInterval] })).toBe(false);
      const { triggers: _none, ...withoutTriggers } = manifest;
      expect(validate(withoutTriggers), 'triggers stay optional').toBe(true);
    });
  });

  describe('the connection label', () => {
    const schema = readJson(manifest.connection.schema) as { properties: Record<string, { 'x-secret'?: boolean; writeOnly?: boolean }> };
    const placeholders = [...manifest.connection.label.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!);

    it('has placeholders', () => {
      expect(placeholders.length).toBeGreaterThan(0);
    });

    it('names only fields the connection schema declares', () => {
      for (const name of placeholders) expect(Object.keys(schema.properties), `{{${name}}}`).toContain(name);
    });

    it('never names a secret field', () => {
      for (const name of placeholders) {
        expect(schema.properties[name]?.['x-secret'], `{{${name}}} is a secret`).not.toBe(true);
        expect(schema.properties[name]?.writeOnly, `{{${name}}} is write-only`).not.toBe(true);
      }
    });
  });
});
