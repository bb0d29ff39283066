/**
 * Node-RED as a user runs it (node-red 5.0.7's own `node-red` command on Node 24, in a child process on
 * 127.0.0.1): the adapter installed in the user folder's node_modules, admin auth on, flows deployed
 * through the admin API, a persistent context store, and its editor in Debian's headless chromium. It
 * proves what the test helper cannot: the key picker's admin endpoint behind Node-RED's real admin auth
 * and in the editor's form, and a trigger that goes on from its saved state after Node-RED restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { rawClient } from '../helpers/seed.js';
import { installAdapter, ROOT } from './helpers/install.js';

const HOST_MODULES = path.join(ROOT, 'hosts/node_modules');
const bcrypt = createRequire(import.meta.url)(path.join(HOST_MODULES, 'bcryptjs')) as { hashSync(text: string, rounds: number): string };

const s3 = useEmulator();
let client: S3Client;
let userDir: string;
let port: number;
let nodeRed: ChildProcess | undefined;

const USERS = { editor: 'editor-password', viewer: 'viewer-password' };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `check`'s first truthy answer, asking every 200 ms, or fails after `seconds`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, seconds = 20): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const answer = await check().catch(() => undefined);
    if (answer) return answer;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}.`);
    await wait(200);
  }
}

const admin = (route: string) => `http://127.0.0.1:${port}/${route}`;

/** Starts `node-red` on the user folder and waits until its admin API answers. */
async function startNodeRed(): Promise<void> {
  const child = spawn(path.join(HOST_MODULES, '.bin/node'), [path.join(HOST_MODULES, 'node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_DISABLE_TELEMETRY: '1' },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  nodeRed = child;
  await eventually('Node-RED to start', async () => {
    if (child.exitCode !== null) throw new Error(`Node-RED exited: ${output}`);
    return (await fetch(admin('auth/login'))).ok;
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n${output}`);
  });
}

/** Stops Node-RED as Ctrl-C does: it stops the flows and flushes the context store. */
async function stopNodeRed(): Promise<void> {
  const child = nodeRed;
  nodeRed = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

async function token(username: keyof typeof USERS, scope: string): Promise<string> {
  const response = await fetch(admin('auth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope, username, password: USERS[username] }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function suggest(body: object, bearer?: string) {
  return fetch(admin('amazon-s3/suggest'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
}

const put = (key: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: key }));

/** The keys the flow wrote under `seen/<key>/`: one per message the trigger sent for that object. */
async function sent(key: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `seen/${key}/` }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

let editor: string;

beforeAll(async () => {
  client = rawClient(s3.endpoint);
  userDir = mkdtempSync(path.join(tmpdir(), 'node-red-home-'));
  // ~/.node-red, as `npm install @s3-connector/node-red-amazon-s3` there lays it out.
  installAdapter(userDir, 'node-red-amazon-s3', { hostPackages: [] });
  port = await freePort();
  const users = Object.entries(USERS).map(([username, password]) => ({ username, password: bcrypt.hashSync(password, 8), permissions: username === 'editor' ? '*' : 'read' }));
  writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: 'a test secret for the credentials file',
      adminAuth: { type: 'credentials', users },
      contextStorage: { default: { module: 'localfilesystem' } },
      telemetry: { enabled: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      logging: { console: { level: 'warn' } },
    })};\n`,
  );
  await startNodeRed();
  editor = await token('editor', '*');

  // Exists before the trigger's first poll: never fires.
  await put('persist/old.txt');
  const { secretAccessKey, ...plain } = s3.connection();
  const flows = [
    { id: 'tab', type: 'tab', label: 'S3' },
    { id: 'conn', type: 'amazon-s3-connection', ...plain, credentials: { secretAccessKey } },
    { id: 'watch', type: 'amazon-s3-trigger', z: 'tab', connection: 'conn', trigger: 'objectChanged', interval: 5, store: '', fields: { prefix: { type: 'str', value: 'persist/' } }, wires: [['mark']] },
    // Each message the trigger sends leaves its own object: seen/<key>/<message id>.
    { id: 'mark', type: 'change', z: 'tab', rules: [{ t: 'set', p: 'key', pt: 'msg', to: '"seen/" & payload.data.key & "/" & _msgid', tot: 'jsonata' }], wires: [['save']] },
    { id: 'save', type: 'amazon-s3', z: 'tab', connection: 'conn', action: 'put', fields: { key: { type: 'msg', value: 'key' }, text: { type: 'msg', value: 'payload.id' } }, wires: [[]] },
  ];
  const deployed = await fetch(admin('flows'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${editor}`, 'node-red-deployment-type': 'full' },
    body: JSON.stringify(flows),
  });
  if (deployed.status !== 204) throw new Error(`Deploying the flows answered ${deployed.status}: ${await deployed.text()}`);
}, 60_000);

afterAll(async () => {
  await stopNodeRed();
  client?.destroy();
  rmSync(userDir, { recursive: true, force: true });
});

describe('flows deployed through the admin API', () => {
  it('runs a trigger → change → upload flow, and goes on from its saved state after Node-RED restarts', { timeout: 90_000 }, async () => {
    // The first poll notes what exists: its record shows in the node's context.
    await eventually('the baseline', async () => {
      const context = (await (await fetch(admin('context/node/watch'), { headers: { authorization: `Bearer ${editor}` } })).json()) as Record<string, Record<string, unknown>>;
      return context.default?.trigger !== undefined;
    });
    await put('persist/a.txt');
    expect(await eventually('the event for a.txt', async () => (await sent('persist/a.txt')).length > 0 && sent('persist/a.txt'))).toHaveLength(1);

    await stopNodeRed();
    await put('persist/b.txt');
    await startNodeRed();
    // Its record came back from the localfilesystem store: b.txt, written while Node-RED was stopped, fires.
    expect(await eventually('the event for b.txt', async () => (await sent('persist/b.txt')).length > 0 && sent('persist/b.txt'))).toHaveLength(1);
    await wait(6_000);
    expect(await sent('persist/a.txt'), 'a.txt fired once, across the restart').toHaveLength(1);
    expect(await sent('persist/old.txt'), 'what existed before the baseline never fires').toEqual([]);
    const marker = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: (await sent('persist/b.txt'))[0]! }));
    expect(marker.ContentLength).toBe(22);
  });
});

describe('the key picker’s admin endpoint', () => {
  it('answers a user who may edit flows with the folders and keys under what is typed', async () => {
    await Promise.all(['pick/docs/a.txt', 'pick/cat.png'].map(put));
    const response = await suggest({ connection: 'conn', operation: 'get', field: '/key', query: 'pick/' }, editor);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { options: { value: string; description?: string }[] };
    expect(answer.options.map((o) => o.value)).toEqual(['pick/docs/', 'pick/cat.png']);
    const prefixes = (await (await suggest({ connection: 'conn', operation: 'objectChanged', field: '/prefix', query: 'pick/' }, editor)).json()) as { options: { value: string }[] };
    expect(prefixes.options.map((o) => o.value)).toEqual(['pick/docs/']);
  });

  it('refuses a request without a token, and a read-only user', async () => {
    expect((await suggest({ connection: 'conn', operation: 'get', field: '/key' })).status).toBe(401);
    expect((await suggest({ connection: 'conn', operation: 'get', field: '/key' }, await token('viewer', 'read'))).status).toBe(401);
  });

  it('says why when the connection is not deployed, or the field suggests nothing', async () => {
    const missing = await suggest({ connection: 'nope', operation: 'get', field: '/key' }, editor);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'InvalidInput', message: 'This connection is not deployed yet: deploy it once, then its keys can be picked here.' });
    const plain = await suggest({ connection: 'conn', operation: 'get', field: '/as' }, editor);
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('suggests nothing for `/as`') });
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the editor, in a real browser', () => {
  it('shows the trigger node’s form from the manifest, and completes a prefix from the bucket as the user types', { timeout: 60_000 }, async () => {
    await Promise.all(['pick/docs/a.txt', 'pick/cat.png'].map(put));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(20_000);
      // Nothing leaves the machine: the editor may ask only the Node-RED on 127.0.0.1.
      await page.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));

      await page.goto(admin(''));
      await page.locator('#node-dialog-login-username').fill('editor');
      await page.locator('#node-dialog-login-password').fill(USERS.editor);
      await page.locator('#node-dialog-login-submit').click();
      await page.waitForFunction(() => (globalThis as unknown as { RED?: { nodes: { node(id: string): unknown } } }).RED?.nodes.node('watch'));
      await page.evaluate(() => {
        const { RED } = globalThis as unknown as { RED: { editor: { edit(node: unknown): void }; nodes: { node(id: string): unknown } } };
        RED.editor.edit(RED.nodes.node('watch'));
      });

      await page.locator('#node-input-trigger').waitFor();
      expect(await page.locator('#node-input-trigger option').allTextContents()).toEqual(['New or updated object']);
      expect(await page.locator('#node-input-interval').inputValue()).toBe('5');
      expect(await page.locator('#node-input-interval').getAttribute('min')).toBe('5');
      const prefix = page.locator('#s3-trigger-fields .form-row:has(input[data-field="prefix"]) input.red-ui-typedInput-input');
      expect(await prefix.inputValue()).toBe('persist/');

      await prefix.fill('');
      await prefix.pressSequentially('pick/', { delay: 30 });
      const completions = page.locator('.red-ui-autoComplete-container');
      await completions.getByText('pick/docs/').waitFor();
      expect(await completions.innerText()).not.toContain('pick/cat.png');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
