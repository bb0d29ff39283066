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
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { useEmulator } from '../helpers/emulator.js';
import { photo } from '../helpers/images.js';
import { rawClient } from '../helpers/seed.js';
import { useProxy } from '../triggers/helpers.js';
import { installAdapter, ROOT } from './helpers/install.js';

const MiB = 1024 * 1024;
const s3 = useEmulator();
/** Counts the requests that reach the emulator: a closed trigger node makes none. */
const proxy = useProxy(() => s3.endpoint);
const require = createRequire(import.meta.url);
helper.init(require.resolve(path.join(ROOT, 'hosts/node_modules/node-red')));

let dir: string;
let installed: string;
let s3Nodes: (RED: unknown) => void;

let client: S3Client;

beforeAll(async () => {
  client = rawClient(s3.endpoint);
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
  client?.destroy();
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

describe('the trigger node', () => {
  const put = (key: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: key }));
  const seconds = (n: number) => new Promise((resolve) => setTimeout(resolve, n * 1000));
  /** Resolves once `check` holds, looking every 50 ms. */
  const until = async (check: () => boolean) => {
    while (!check()) await seconds(0.05);
  };
  const watcher = (fields: Record<string, [type: string, value: string]>, options: object = {}) => ({
    id: 'watch',
    type: 'amazon-s3-trigger',
    connection: 'conn',
    trigger: 'objectChanged',
    interval: 5,
    fields: Object.fromEntries(Object.entries(fields).map(([field, [type, value]]) => [field, { type, value }])),
    wires: [['out']],
    ...options,
  });
  const record = () => helper.getNode('watch').context().get('trigger') as { trigger: string; state: object; delivered: string[] } | undefined;

  it('baselines when deployed, sends one message per new object on its interval, keeps its record in the node’s context, and stops polling when closed', { timeout: 30_000 }, async () => {
    await put('nr-watch/old.txt');
    const { node, credentials } = connectionNode({ endpoint: proxy.endpoint });
    await helper.load(s3Nodes as never, [node, watcher({ prefix: ['str', 'nr-watch/'] }), { id: 'out', type: 'helper' }] as never, credentials as never);
    const messages: Msg[] = [];
    (helper.getNode('out') as unknown as EventEmitter).on('input', (msg: Msg) => messages.push(msg));
    // The first poll runs at once: the baseline, which sends nothing.
    await until(() => record() !== undefined);
    expect(record()).toMatchObject({ trigger: 'objectChanged', delivered: [] });

    await put('nr-watch/new.txt');
    await until(() => messages.length > 0);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.payload).toMatchObject({ id: expect.any(String), type: 'object.changed', data: { key: 'nr-watch/new.txt', size: 'nr-watch/new.txt'.length } });
    expect(messages[0]!.topic).toBe('object.changed');
    await until(() => record()!.delivered.length === 1);
    expect(record()!.delivered).toEqual([messages[0]!.payload.id]);

    // One more interval: the next poll sends nothing again.
    const requests = proxy.requests.length;
    await until(() => proxy.requests.length > requests);
    await seconds(0.5);
    expect(messages).toHaveLength(1);

    await helper.unload();
    const afterClose = proxy.requests.length;
    await seconds(5.5);
    expect(proxy.requests.length, 'no request after the node closed').toBe(afterClose);
  });

  it('polls no more often than the trigger allows, and says so', async () => {
    const { node, credentials } = connectionNode();
    await helper.load(s3Nodes as never, [node, watcher({ prefix: ['str', 'nr-fast/'] }, { interval: 1 }), { id: 'out', type: 'helper' }] as never, credentials as never);
    const warned = helper.getNode('watch').warn as unknown as { args: unknown[][] };
    expect(warned.args.flat()).toContain('Polling every 5 seconds, the least "New or updated object" allows, not every 1.');
  });

  it('a failing poll reaches a catch node with our code and message, and the record stays as it was', async () => {
    const { node, credentials } = connectionNode({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' });
    const flow = [node, watcher({ prefix: ['str', 'nr-watch/'] }), { id: 'out', type: 'helper' }, { id: 'catcher', type: 'catch', scope: null, wires: [['caught']] }, { id: 'caught', type: 'helper' }];
    const received = await load(flow, credentials, ['caught']);
    const msg = await received.caught!;
    expect(msg.error).toMatchObject({ code: 'InvalidCredentials', message: expect.stringMatching(/secret access key does not match/i), source: { id: 'watch', type: 'amazon-s3-trigger' } });
    expect(msg._error).toMatchObject({ code: 'InvalidCredentials', retryable: false });
    expect(JSON.stringify(msg)).not.toMatch(/wJalrXUtnFEMI/);
    expect(record()).toBeUndefined();
  });
});

describe('the editor', () => {
  it('ships an .html whose forms come from the manifest: the config node’s secret fields are credentials', () => {
    const html = readFileSync(path.join(installed, 'dist/amazon-s3.html'), 'utf8');
    expect(html).toContain('data-template-name="amazon-s3-connection"');
    expect(html).toMatch(/<input type="password" id="node-config-input-secretAccessKey"/);
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { actions: { name: string }[]; triggers: { name: string }[] };
    for (const { name } of [...manifest.actions, ...manifest.triggers]) expect(html).toContain(`"name":"${name}"`);
  });

  it('has a trigger node form, and key fields that complete through the admin endpoint', () => {
    const html = readFileSync(path.join(installed, 'dist/amazon-s3.html'), 'utf8');
    expect(html).toContain('data-template-name="amazon-s3-trigger"');
    expect(html).toContain('<input type="number" id="node-input-interval"');
    expect(html).toContain('"suggestPath":"amazon-s3/suggest"');
    expect(html).toMatch(/"name":"key","kind":"string"[^}]*"suggest":"key"/);
  });
});
