/**
 * One source of truth: an action, a field, a trigger and suggestions added to connector.json and schemas/
 * appear in n8n, Activepieces and Node-RED with no change to any adapter. The adapters here are the built
 * packages, unchanged; only the connector package they depend on is a modified copy: a new `exists` action
 * whose key is suggested, a new `priority` field on put, and a new `appeared` trigger ("this key now
 * exists", polled every second at most) whose key is suggested too.
 */
import type { EventEmitter } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { extractPieceFromModule } from '@activepieces/shared';
import type { Piece } from '@activepieces/pieces-framework';
import type { INodeProperties } from 'n8n-workflow';
import helper from 'node-red-node-test-helper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClientConfig } from '../../src/emulator.js';
import { editorHtml } from '../../src/hosts/node-red/editor.js';
import { loadContract } from '../../src/hosts/shared/contract.js';
import { useEmulator } from '../helpers/emulator.js';
import { installAdapter, ROOT } from './helpers/install.js';
import { chain, node, START_TYPE, startN8n } from './n8n/harness.js';

const require = createRequire(import.meta.url);
const s3 = useEmulator();
let work: string;
let connectorDir: string;

/** A copy of the connector package with one more action, field and trigger, and nothing else changed. */
function modifiedConnector(dir: string): string {
  for (const part of ['package.json', 'schemas', 'icons']) cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { entry: string; actions: object[]; triggers: object[] };
  manifest.actions.push({
    id: 'exists',
    name: 'Check object exists',
    description: 'Tells whether an object exists.',
    group: 'Objects',
    input: 'schemas/actions/exists.input.json',
    output: 'schemas/actions/exists.output.json',
    suggest: { '/key': 'key' },
  });
  manifest.triggers.push({
    id: 'appeared',
    name: 'Object appeared',
    description: 'Starts a workflow when an object appears at one key.',
    kind: 'polling',
    input: 'schemas/triggers/appeared.input.json',
    output: 'schemas/triggers/appeared.output.json',
    minIntervalSeconds: 1,
    suggest: { '/key': 'key' },
  });
  manifest.entry = 'dist/entry.mjs';
  writeFileSync(path.join(dir, 'connector.json'), JSON.stringify(manifest, null, 2));
  const schema = (properties: object, required: string[]) => ({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false, required, properties });
  writeFileSync(path.join(dir, 'schemas/actions/exists.input.json'), JSON.stringify(schema({ key: { title: 'Key', type: 'string', minLength: 1, 'x-order': 1 } }, ['key'])));
  writeFileSync(path.join(dir, 'schemas/actions/exists.output.json'), JSON.stringify(schema({ exists: { type: 'boolean' } }, ['exists'])));
  writeFileSync(path.join(dir, 'schemas/triggers/appeared.input.json'), JSON.stringify(schema({ key: { title: 'Key', type: 'string', minLength: 1, 'x-order': 1 } }, ['key'])));
  writeFileSync(path.join(dir, 'schemas/triggers/appeared.output.json'), JSON.stringify(schema({ key: { type: 'string' } }, ['key'])));
  const put = JSON.parse(readFileSync(path.join(dir, 'schemas/actions/put.input.json'), 'utf8')) as { properties: Record<string, object> };
  put.properties.priority = { title: 'Priority', description: 'How urgent the upload is.', type: 'integer', minimum: 1, maximum: 5, 'x-order': 99, 'x-group': 'advanced' };
  writeFileSync(path.join(dir, 'schemas/actions/put.input.json'), JSON.stringify(put));
  // The new hooks, beside the real entry's: what a connector release adding them would ship. Its suggest
  // answers for the new fields as for head's key (the real hook knows only the manifest it was built with).
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(
    path.join(dir, 'dist/entry.mjs'),
    `import * as real from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/index.js')).href)};
export const { testConnection, ConnectorError } = real;
async function exists(input, ctx) {
  try {
    await real.actions.head(input, ctx);
    return true;
  } catch (error) {
    if (error.code === 'NotFound') return false;
    throw error;
  }
}
export const actions = {
  ...real.actions,
  exists: async (input, ctx) => ({ exists: await exists(input, ctx) }),
};
export const triggers = {
  ...real.triggers,
  appeared: {
    enable: async (input, ctx) => ({ was: await exists(input, ctx) }),
    async poll(input, ctx) {
      const now = await exists(input, ctx);
      const events = now && ctx.state && !ctx.state.was ? [{ id: 'appeared:' + input.key, occurredAt: new Date().toISOString(), type: 'object.appeared', data: { key: input.key } }] : [];
      return { events, state: { was: now } };
    },
    sample: async (input) => [{ id: 'sample', occurredAt: new Date(0).toISOString(), type: 'object.appeared', data: { key: input.key } }],
  },
};
export const suggest = (request, ctx) => real.suggest(['exists', 'appeared'].includes(request.action) ? { ...request, action: 'head' } : request, ctx);
`,
  );
  return dir;
}

let client: S3Client;
beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'derived-'));
  connectorDir = modifiedConnector(mkdirSync(path.join(work, 'connector'), { recursive: true })!);
  client = new S3Client(emulatorClientConfig(s3.endpoint));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'here.txt', Body: 'x' }));
});
afterAll(() => {
  client?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('an action, a field, a trigger and suggestions added to the manifest', () => {
  it('appear in n8n: an operation that runs, a bounded number in put’s options, a searchable key, and a trigger that fires', async () => {
    const n8n = await startN8n({ connectorDir });
    try {
      const properties = n8n.description().properties;
      const operation = properties.find((p) => p.name === 'operation')!;
      expect(operation.options).toContainEqual(expect.objectContaining({ value: 'exists', name: 'Check object exists' }));
      const options = properties.find((p) => p.name === 'advanced' && p.displayOptions?.show?.operation?.includes('put') === true)!;
      expect((options.options as INodeProperties[]).find((p) => p.name === 'priority')).toMatchObject({ type: 'number', typeOptions: { minValue: 1, maxValue: 5 } });
      const nodes = [node('Start', START_TYPE, {}), node('Exists', n8n.nodeType, { operation: 'exists', key: 'here.txt' }, [200, 0]), node('Missing', n8n.nodeType, { operation: 'exists', key: 'gone.txt' }, [400, 0])];
      const run = await n8n.run(nodes, chain('Start', 'Exists', 'Missing'), { credentials: s3.connection() });
      expect(run.data.resultData.runData.Exists![0]!.data!.main![0]![0]!.json).toEqual({ exists: true });
      expect(run.data.resultData.runData.Missing![0]!.data!.main![0]![0]!.json).toEqual({ exists: false });

      // The new action's suggested key: a resource locator whose list search answers.
      const key = properties.find((p) => p.name === 'key' && p.displayOptions?.show?.operation?.includes('exists') === true)!;
      expect(key).toMatchObject({ type: 'resourceLocator', modes: [{ name: 'list', typeOptions: { searchListMethod: 'suggestKey' } }, { name: 'id' }] });
      const listed = await n8n.listSearch({ method: 'suggestKey', parameters: { operation: 'exists' }, credentials: s3.connection(), filter: 'here' });
      expect(listed.results.map((r) => r.value)).toEqual(['here.txt']);

      // The new trigger: offered by the trigger node, baselined, then firing once the key exists.
      const event = n8n.triggerDescription().properties.find((p) => p.name === 'event')!;
      expect(event.options).toContainEqual(expect.objectContaining({ value: 'appeared', name: 'Object appeared' }));
      const watch = node('Appeared', n8n.triggerType, { event: 'appeared', key: { __rl: true, mode: 'id', value: 'n8n-later.txt' }, pollTimes: { item: [{ mode: 'everyMinute' }] } } as never);
      const active = await n8n.activate(watch, { credentials: s3.connection() });
      try {
        expect(active.emitted).toEqual([]);
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'n8n-later.txt', Body: 'x' }));
        await active.tick();
        expect(active.emitted.map((items) => items.map((item) => item.json))).toEqual([[expect.objectContaining({ type: 'object.appeared', data: { key: 'n8n-later.txt' } })]]);
      } finally {
        await active.deactivate();
      }
    } finally {
      n8n.close();
    }
  });

  it('appear in Activepieces: an action that runs, a prop on put, a key dropdown, and a trigger that fires', async () => {
    const installed = installAdapter(path.join(work, 'ap'), 'piece-amazon-s3', { connectorDir, hostPackages: ['@activepieces/pieces-framework', '@activepieces/shared'] });
    const piece = extractPieceFromModule<Piece>({ module: require(installed) as Record<string, unknown>, pieceName: 'piece', pieceVersion: '0.1.0' });
    expect(piece.getAction('put')!.props.priority).toMatchObject({ type: 'NUMBER', displayName: 'Priority' });
    const exists = piece.getAction('exists')!;
    expect(exists.displayName).toBe('Check object exists');
    const ctx = { auth: { type: 'CUSTOM_AUTH', props: s3.connection() }, propsValue: { key: 'here.txt' }, files: { write: async () => '' } };
    expect(await exists.run(ctx as never)).toEqual({ exists: true });

    // The new action's suggested key: a dropdown whose options the connector gives.
    const key = exists.props.key as unknown as { type: string; options: (values: object, ctx: object) => Promise<{ options: { value: string }[] }> };
    expect(key.type).toBe('DROPDOWN');
    expect((await key.options({ auth: ctx.auth }, { searchValue: 'here' })).options.map((o) => o.value)).toEqual(['here.txt']);

    // The new trigger: a polling trigger whose run fires once the key exists.
    const trigger = piece.getTrigger('appeared')!;
    expect(trigger).toMatchObject({ displayName: 'Object appeared', type: 'POLLING' });
    expect(trigger.props.key).toMatchObject({ type: 'DROPDOWN' });
    const values = new Map<string, unknown>();
    const store = { put: async (k: string, v: unknown) => values.set(k, v), get: async (k: string) => values.get(k) ?? null, delete: async (k: string) => values.delete(k) };
    const hookCtx = { ...ctx, propsValue: { key: 'ap-later.txt' }, store } as never;
    await (trigger.onEnable as (c: never) => Promise<void>)(hookCtx);
    expect(await trigger.run(hookCtx)).toEqual([]);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'ap-later.txt', Body: 'x' }));
    expect(await trigger.run(hookCtx)).toEqual([expect.objectContaining({ type: 'object.appeared', data: { key: 'ap-later.txt' } })]);
  });

  it('appear in Node-RED: the runtime runs the action and the trigger, the picker answers, and the editor built from the manifest offers them', { timeout: 30_000 }, async () => {
    const installed = installAdapter(path.join(work, 'node-red'), 'node-red-amazon-s3', { connectorDir, hostPackages: [] });
    const html = editorHtml(loadContract(connectorDir));
    expect(html).toContain('"id":"exists","name":"Check object exists"');
    expect(html).toMatch(/"name":"priority","kind":"integer"/);
    expect(html).toMatch(/"id":"exists","name":"Check object exists"[^\]]*"name":"key"[^}]*"suggest":"key"/);
    expect(html).toContain('"id":"appeared","name":"Object appeared"');
    helper.init(require.resolve(path.join(ROOT, 'hosts/node_modules/node-red')));
    await new Promise<void>((resolve) => helper.startServer(() => resolve()));
    try {
      const { secretAccessKey, ...plain } = s3.connection();
      const flow = [
        { id: 'conn', type: 'amazon-s3-connection', ...plain },
        { id: 'check', type: 'amazon-s3', connection: 'conn', action: 'exists', fields: { key: { type: 'msg', value: 'payload' } }, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(require(path.join(installed, 'dist/amazon-s3.js')) as never, flow as never, { conn: { secretAccessKey } } as never);
      const received = new Promise<{ payload: unknown }>((resolve) => (helper.getNode('out') as unknown as EventEmitter).once('input', resolve));
      helper.getNode('check').receive({ payload: 'here.txt' } as never);
      expect((await received).payload).toEqual({ exists: true });

      const picked = await helper.request().post('/amazon-s3/suggest').send({ connection: 'conn', operation: 'exists', field: '/key', query: 'here' });
      expect(picked.status).toBe(200);
      expect((picked.body as { options: { value: string }[] }).options.map((o) => o.value)).toEqual(['here.txt']);

      await helper.unload();
      const watching = [
        { id: 'conn', type: 'amazon-s3-connection', ...plain },
        { id: 'watch', type: 'amazon-s3-trigger', connection: 'conn', trigger: 'appeared', interval: 1, fields: { key: { type: 'str', value: 'nr-later.txt' } }, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(require(path.join(installed, 'dist/amazon-s3.js')) as never, watching as never, { conn: { secretAccessKey } } as never);
      const fired = new Promise<{ payload: unknown }>((resolve) => (helper.getNode('out') as unknown as EventEmitter).once('input', resolve));
      // After the baseline (the record in the node's context), the key appears; the next poll, a second later, fires.
      while (helper.getNode('watch').context().get('trigger') === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'nr-later.txt', Body: 'x' }));
      expect((await fired).payload).toMatchObject({ type: 'object.appeared', data: { key: 'nr-later.txt' } });
    } finally {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    }
  });
});
