import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../../../src/host/core/connector.js';
import { PACKAGE_DIR, useTempDirs } from './fixture.js';

const tempDir = useTempDirs('s3-connector-pkg-');
const manifest = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'connector.json'), 'utf8')) as Record<string, unknown>;

/** A copy of the package with its manifest (or one schema) changed: the built entry is linked, not copied. */
function brokenPackage(change: (m: Record<string, unknown>) => unknown, files: Record<string, string> = {}): string {
  const dir = tempDir();
  cpSync(path.join(PACKAGE_DIR, 'schemas'), path.join(dir, 'schemas'), { recursive: true });
  cpSync(path.join(PACKAGE_DIR, 'icons'), path.join(dir, 'icons'), { recursive: true });
  symlinkSync(path.join(PACKAGE_DIR, 'dist'), path.join(dir, 'dist'));
  const copy = structuredClone(manifest);
  writeFileSync(path.join(dir, 'connector.json'), JSON.stringify(change(copy) ?? copy));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('loadConnector', () => {
  it('loads this package through connector.json: actions, icon, secret fields and label', async () => {
    const connector = await loadConnector(PACKAGE_DIR);
    expect(connector.manifest.id).toBe('amazon-s3');
    expect(connector.iconSvg).toMatch(/<svg/);
    expect(connector.actions.map((a) => a.id)).toEqual((manifest.actions as { id: string }[]).map((a) => a.id));
    expect(connector.actions.find((a) => a.id === 'head')).toMatchObject({ name: 'Get object info', group: 'Objects' });
    expect(connector.secretFields.sort()).toEqual(['secretAccessKey', 'sessionToken']);
    expect(connector.label({ name: 'Images', bucket: 'b', region: 'eu-west-1', secretAccessKey: 'x' })).toBe('Images (b, eu-west-1)');
  });

  it('validates a connection with messages a person can act on, never quoting a secret', async () => {
    const connector = await loadConnector(PACKAGE_DIR);
    const messages = connector.validateConnection({ name: 'x', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'has a space', bucket: 'b' });
    expect(messages).toContain('Missing required `connection.region` (Region).');
    expect(messages.join(' ')).toContain('Expected a secret without spaces or line breaks (check for a stray space when pasting) for `connection.secretAccessKey` but received a hidden value.');
    expect(messages.join(' ')).not.toContain('has a space');
    expect(connector.validateInput('head', {})).toEqual(['Missing required `key` (Key).']);
  });

  it('rejects a manifest that breaks the contract, naming the field', async () => {
    const dir = brokenPackage((m) => {
      delete m.entry;
    });
    await expect(loadConnector(dir)).rejects.toThrow(`The connector in ${dir} cannot be loaded: connector.json does not follow the host contract: Missing required \`entry\`.`);
  });

  it('rejects a label template that would show a secret', async () => {
    const dir = brokenPackage((m) => {
      (m.connection as Record<string, unknown>).label = '{{name}} {{secretAccessKey}}';
    });
    await expect(loadConnector(dir)).rejects.toThrow('connection.label names the secret field "secretAccessKey"');
  });

  it('rejects a schema that does not compile under Ajv2020 strict mode', async () => {
    const dir = brokenPackage(
      (m) => {
        (m.actions as { input: string }[])[0]!.input = 'schemas/broken.json';
      },
      { 'schemas/broken.json': JSON.stringify({ type: 'object', properties: { key: { type: 'string', 'x-unknown': true } } }) },
    );
    await expect(loadConnector(dir)).rejects.toThrow(/the schema "schemas\/broken\.json" does not compile under Ajv2020 strict mode.*x-unknown/);
  });

  it('rejects an action the entry module does not export', async () => {
    const dir = brokenPackage((m) => {
      (m.actions as unknown[]).push({ ...(m.actions as object[])[0], id: 'teleport' });
    });
    await expect(loadConnector(dir)).rejects.toThrow('exports no handler in `actions` for "teleport". Rebuild the package, or remove the action from connector.json.');
  });

  it('rejects a connector.json that is not JSON', async () => {
    const dir = brokenPackage(() => undefined, { 'connector.json': '{ "id": ' });
    await expect(loadConnector(dir)).rejects.toThrow('The manifest "connector.json" is not a JSON object');
  });
});

describe('loadConnector: triggers (contract 1.1, section 5)', () => {
  it('knows the triggers only through connector.json: name, minimum interval, schemas and input checks', async () => {
    const connector = await loadConnector(PACKAGE_DIR);
    expect(connector.triggers.map((t) => t.id)).toEqual(['objectChanged']);
    expect(connector.triggers[0]).toMatchObject({ name: 'New or updated object', group: 'Objects', minIntervalSeconds: 5, outputSchema: { required: expect.arrayContaining(['key', 'etag']) } });
    expect(connector.triggerInputErrors('objectChanged', { mode: 'fast' })).toEqual([{ field: '/mode', message: 'Expected one of "scan", "ordered" for `mode` but received "fast".' }]);
    expect(() => connector.triggerInputErrors('fileAppeared', {})).toThrow('Unknown trigger "fileAppeared". Available triggers: objectChanged.');
  });

  it('rejects an entry that exports no poll and sample for a trigger the manifest declares', async () => {
    const dir = brokenPackage((m) => {
      const [trigger] = m.triggers as Record<string, unknown>[];
      m.triggers = [trigger, { ...trigger, id: 'fileAppeared' }];
    });
    await expect(loadConnector(dir)).rejects.toThrow('exports no poll and sample hooks in `triggers` for "fileAppeared". Rebuild the package, or remove the trigger from connector.json.');
  });

  it('rejects a trigger that reuses an action id', async () => {
    const dir = brokenPackage((m) => {
      (m.triggers as Record<string, unknown>[])[0]!.id = 'list';
    });
    await expect(loadConnector(dir)).rejects.toThrow('connector.json lists "list" twice among its actions and triggers.');
  });
});
