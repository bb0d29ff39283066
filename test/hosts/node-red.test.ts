/**
 * The Node-RED nodes in Node-RED's own runtime (node-red 5.0.7 through node-red-node-test-helper 0.3.6,
 * Node 24, admin and flows on 127.0.0.1), against the emulator on 127.0.0.1: flows a user wires.
 */
import type { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { photo } from '../helpers/images.js';
import { installAdapter, ROOT } from './helpers/install.js';

const MiB = 1024 * 1024;
const s3 = useEmulator();
const require = createRequire(import.meta.url);
helper.init(require.resolve(path.join(ROOT, 'hosts/node_modules/node-red')));

let dir: string;
let installed: string;
let s3Nodes: (RED: unknown) => void;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'node-red-user-'));
  // ~/.node-red, as `npm install @s3-connector/node-red-amazon-s3` there lays it out.
  installed = installAdapter(dir, 'node-red-amazon-s3', { hostPackages: [] });
  const { 'node-red': nodeRed } = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  s3Nodes = require(path.join(installed, nodeRed.nodes['amazon-s3']!)) as typeof s3Nodes;
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
});
afterEach(async () => {
  await helper.unload();
});
afterAll(async () => {
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

type Msg = Record<string, unknown> & { payload: Record<string, unknown> };

/** The config node: plain fields in the flow, secrets in the credentials file. */
function connectionNode(overrides: Record<string, unknown> = {}) {
  const { secretAccessKey, ...plain } = s3.connection(overrides);
  return {
    node: { id: 'conn', type: 'amazon-s3-connection', ...plain },
    credentials: { conn: { secretAccessKey } },
  };
}

function action(id: string, name: string, fields: Record<string, [type: string, value: string]>, wires: string[]) {
  return {
    id,
    type: 'amazon-s3',
    connection: 'conn',
    action: name,
    fields: Object.fromEntries(Object.entries(fields).map(([field, [type, value]]) => [field, { type, value }])),
    wires: [wires],
  };
}

/**
 * Loads a flow and resolves with the first message each named helper node receives. Node ids differ from
 * every other value in the flow: Node-RED takes a property equal to a node's id for a reference to it.
 */
async function load(flow: object[], credentials: object, listen: string[]): Promise<Record<string, Promise<Msg>>> {
  await helper.load(s3Nodes as never, flow as never, credentials as never);
  return Object.fromEntries(listen.map((id) => [id, new Promise<Msg>((resolve) => (helper.getNode(id) as unknown as EventEmitter).once('input', (msg: Msg) => resolve(msg)))]));
}

describe('a flow that puts, gets and resizes', () => {
  it('uploads msg.payload, downloads it by the key the put returned, and resizes it', async () => {
    const image = await photo(640, 480);
    const { node, credentials } = connectionNode();
    const flow = [
      node,
      action('upload', 'put', { key: ['str', 'flow/dog.jpg'], file: ['msg', 'payload'], contentType: ['str', 'image/jpeg'] }, ['download', 'afterPut']),
      action('download', 'get', { key: ['msg', 'payload.key'], as: ['choice', 'file'] }, ['thumbnail', 'afterGet']),
      action('thumbnail', 'resize', { key: ['str', 'flow/dog.jpg'], width: ['num', '100'], format: ['choice', 'png'] }, ['afterResize']),
      { id: 'afterPut', type: 'helper' },
      { id: 'afterGet', type: 'helper' },
      { id: 'afterResize', type: 'helper' },
    ];
    const received = await load(flow, credentials, ['afterPut', 'afterGet', 'afterResize']);
    helper.getNode('upload').receive({ payload: image, filename: 'dog.jpg' });

    expect((await received.afterPut!).payload).toMatchObject({ key: 'flow/dog.jpg', size: image.length, contentType: 'image/jpeg' });
    const got = (await received.afterGet!).payload as { file: { name: string; size: number; data: Buffer } };
    expect(got).toMatchObject({ key: 'flow/dog.jpg', size: image.length, file: { name: 'dog.jpg', size: image.length } });
    expect(Buffer.isBuffer(got.file.data) && got.file.data.equals(image)).toBe(true);
    const resized = (await received.afterResize!).payload as { width: number; file: { data: Buffer } };
    expect(resized).toMatchObject({ width: 100, height: 75, format: 'png' });
    expect(await sharp(resized.file.data).metadata()).toMatchObject({ format: 'png', width: 100, height: 75 });
  });

  it('takes the action from msg.action and fields from flow context', async () => {
    const { node, credentials } = connectionNode();
    const flow = [node, action('s3', 'head', { key: ['msg', 'topic'] }, ['out']), { id: 'out', type: 'helper' }];
    const received = await load(flow, credentials, ['out']);
    helper.getNode('s3').receive({ topic: 'flow/dog.jpg', action: 'list', payload: null });
    // `list` has no `key`: the message chose the action, and the connector ignored nothing it was given.
    expect((await received.out!).payload).toMatchObject({ objects: expect.arrayContaining([expect.objectContaining({ key: 'flow/dog.jpg' })]) });
  });
});

describe('errors', () => {
  it('a wrong secret reaches a catch node with our code and message, and retryable', async () => {
    const { node, credentials } = connectionNode({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' });
    const flow = [node, action('s3', 'list', { prefix: ['str', 'flow/'] }, []), { id: 'catcher', type: 'catch', scope: null, wires: [['caught']] }, { id: 'caught', type: 'helper' }];
    const received = await load(flow, credentials, ['caught']);
    helper.getNode('s3').receive({ payload: 'go' });
    const msg = await received.caught!;
    expect(msg.error).toMatchObject({ code: 'InvalidCredentials', message: expect.stringMatching(/secret access key does not match/i), source: { id: 's3', type: 'amazon-s3' } });
    expect(msg._error).toMatchObject({ code: 'InvalidCredentials', retryable: false });
    expect(JSON.stringify(msg)).not.toMatch(/wJalrXUtnFEMI/);
  });

  it('a file over the message limit fails with TooLarge naming the limit', async () => {
    const { node, credentials } = connectionNode();
    const flow = [node, action('s3', 'put', { key: ['str', 'big.bin'], file: ['msg', 'payload'] }, []), { id: 'catcher', type: 'catch', scope: null, wires: [['caught']] }, { id: 'caught', type: 'helper' }];
    const received = await load(flow, credentials, ['caught']);
    helper.getNode('s3').receive({ payload: Buffer.alloc(64 * MiB + 1) });
    const msg = await received.caught!;
    expect(msg.error).toMatchObject({ code: 'TooLarge', message: expect.stringContaining('64 MiB') });
  });
});

describe('the editor', () => {
  it('ships an .html whose forms come from the manifest: the config node’s secret fields are credentials', () => {
    const html = readFileSync(path.join(installed, 'dist/amazon-s3.html'), 'utf8');
    expect(html).toContain('data-template-name="amazon-s3-connection"');
    expect(html).toMatch(/<input type="password" id="node-config-input-secretAccessKey"/);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { actions: { name: string }[] };
    for (const { name } of manifest.actions) expect(html).toContain(`"name":"${name}"`);
  });
});
