/**
 * One source of truth: an action and a field added to connector.json and schemas/ appear in n8n, Activepieces
 * and Node-RED with no change to any adapter. The adapters here are the built packages, unchanged; only the
 * connector package they depend on is a modified copy (a new `exists` action, a new `priority` field on put).
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

/** A copy of the connector package with one more action and one more field, and nothing else changed. */
function modifiedConnector(dir: string): string {
  for (const part of ['package.json', 'schemas', 'icons']) cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { entry: string; actions: object[] };
  manifest.actions.push({
    id: 'exists',
    name: 'Check object exists',
    description: 'Tells whether an object exists.',
    group: 'Objects',
    input: 'schemas/actions/exists.input.json',
    output: 'schemas/actions/exists.output.json',
  });
  manifest.entry = 'dist/entry.mjs';
  writeFileSync(path.join(dir, 'connector.json'), JSON.stringify(manifest, null, 2));
  const schema = (properties: object, required: string[]) => ({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false, required, properties });
  writeFileSync(path.join(dir, 'schemas/actions/exists.input.json'), JSON.stringify(schema({ key: { title: 'Key', type: 'string', minLength: 1, 'x-order': 1 } }, ['key'])));
  writeFileSync(path.join(dir, 'schemas/actions/exists.output.json'), JSON.stringify(schema({ exists: { type: 'boolean' } }, ['exists'])));
  const put = JSON.parse(readFileSync(path.join(dir, 'schemas/actions/put.input.json'), 'utf8')) as { properties: Record<string, object> };
  put.properties.priority = { title: 'Priority', description: 'How urgent the upload is.', type: 'integer', minimum: 1, maximum: 5, 'x-order': 99, 'x-group': 'advanced' };
  writeFileSync(path.join(dir, 'schemas/actions/put.input.json'), JSON.stringify(put));
  // The new action's handler, beside the real entry's: what a connector release adding `exists` would ship.
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(
    path.join(dir, 'dist/entry.mjs'),
    `import * as real from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/index.js')).href)};
export const { testConnection, ConnectorError } = real;
export const actions = {
  ...real.actions,
  async exists(input, ctx) {
    try {
      await real.actions.head(input, ctx);
      return { exists: true };
    } catch (error) {
      if (error.code === 'NotFound') return { exists: false };
      throw error;
    }
  },
};
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

describe('an action and a field added to the manifest', () => {
  it('appear in n8n: an operation that runs, and a bounded number in put’s options', async () => {
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
    } finally {
      n8n.close();
    }
  });

  it('appear in Activepieces: an action that runs, and a prop on put', async () => {
    const installed = installAdapter(path.join(work, 'ap'), 'piece-amazon-s3', { connectorDir, hostPackages: ['@activepieces/pieces-framework', '@activepieces/shared'] });
    const piece = extractPieceFromModule<Piece>({ module: require(installed) as Record<string, unknown>, pieceName: 'piece', pieceVersion: '0.1.0' });
    expect(piece.getAction('put')!.props.priority).toMatchObject({ type: 'NUMBER', displayName: 'Priority' });
    const exists = piece.getAction('exists')!;
    expect(exists.displayName).toBe('Check object exists');
    const ctx = { auth: { type: 'CUSTOM_AUTH', props: s3.connection() }, propsValue: { key: 'here.txt' }, files: { write: async () => '' } };
    expect(await exists.run(ctx as never)).toEqual({ exists: true });
  });

  it('appear in Node-RED: the runtime runs the action, and the editor built from the manifest offers both', async () => {
    const installed = installAdapter(path.join(work, 'node-red'), 'node-red-amazon-s3', { connectorDir, hostPackages: [] });
    const html = editorHtml(loadContract(connectorDir));
    expect(html).toContain('"id":"exists","name":"Check object exists"');
    expect(html).toMatch(/"name":"priority","kind":"integer"/);
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
    } finally {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    }
  });
});
