import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { EMULATOR_CREDENTIALS } from '../../../src/emulator.js';
import { openHost, type Host } from '../../../src/host/core/run.js';
import type { ConnectionView, RunView, TestResultView } from '../../../src/host/web/api-types.js';
import { startPlayground, type Playground } from '../../../src/host/web/server.js';
import { useEmulator } from '../../helpers/emulator.js';
import { rawClient } from '../../helpers/seed.js';
import { rawRequest, type Reply } from '../../helpers/http.js';

const s3 = useEmulator();
/** The emulator's real secret: distinctive, so any leak is found by a plain substring search. */
const SECRET = EMULATOR_CREDENTIALS.secretAccessKey;
const BODY_LIMIT = 4096;

let home: string;
let host: Host;
let playground: Playground;
let logs: string[];
/** Every response body the tests received, searched for the secret at the end. */
const bodies: string[] = [];

/** A raw HTTP request to the playground; every body is kept for the secret search at the end. */
async function send(method: string, urlPath: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const reply = await rawRequest(playground.port, method, urlPath, options);
  bodies.push(reply.text);
  return reply;
}

let token = '';
/** What the page's script does: state-changing requests carry the token from the page's meta tag. */
const api = (method: string, urlPath: string, body?: unknown) => send(method, urlPath, { headers: { 'x-csrf-token': token }, body });

async function waitForRun(id: string, until: (run: RunView) => boolean = (run) => run.status !== 'running'): Promise<RunView> {
  for (let i = 0; i < 200; i++) {
    const run = (await api('GET', `/api/runs/${id}`)).json as RunView;
    if (until(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`run ${id} did not get there in time`);
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'playground-test-'));
  host = await openHost({ connectorDir: path.resolve('.'), home, env: {} });
  logs = [];
  playground = await startPlayground({ host, bodyLimit: BODY_LIMIT, log: (level, msg, data) => logs.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`) });
  const page = await send('GET', '/');
  token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1] ?? '';
});

afterAll(async () => {
  await playground?.close();
  await rm(home, { recursive: true, force: true });
});

describe('the playground server refuses other sites', () => {
  it('answers on 127.0.0.1 and localhost with its own port', async () => {
    expect(playground.url).toBe(`http://127.0.0.1:${playground.port}/`);
    expect((await send('GET', '/api/connector')).status).toBe(200);
    expect((await send('GET', '/api/connector', { headers: { host: `localhost:${playground.port}` } })).status).toBe(200);
  });

  it('refuses a request whose Host is another name, as after DNS rebinding', async () => {
    for (const hostHeader of [`evil.example:${playground.port}`, 'evil.example', `127.0.0.1:${playground.port + 1}`]) {
      const reply = await send('GET', '/api/connections', { headers: { host: hostHeader } });
      expect(reply.status).toBe(403);
      expect(reply.json.error.code).toBe('ForbiddenHost');
      expect(reply.json.error.message).toContain(`http://127.0.0.1:${playground.port}`);
    }
    expect((await send('GET', '/', { headers: { host: 'rebound.example' } })).status).toBe(403);
  });

  it('refuses a request from a page on another origin, even with the right Host', async () => {
    const reply = await send('POST', '/api/connections/test', {
      headers: { origin: 'http://evil.example', 'x-csrf-token': token },
      body: { values: s3.connection() },
    });
    expect(reply.status).toBe(403);
    expect(reply.json.error.code).toBe('ForbiddenOrigin');
    const sameOrigin = await send('POST', '/api/connections/test', {
      headers: { origin: `http://127.0.0.1:${playground.port}`, 'x-csrf-token': token },
      body: { values: s3.connection() },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('needs the page’s CSRF token on every state-changing request', async () => {
    expect(token).toMatch(/^[\w-]{40,}$/);
    const values = s3.connection({ name: 'No token' });
    const without = await send('POST', '/api/connections', { body: { values } });
    expect(without.status).toBe(403);
    expect(without.json.error).toMatchObject({ code: 'InvalidCsrfToken', message: expect.stringContaining('reload the playground page') });
    const wrong = await send('POST', '/api/connections', { headers: { 'x-csrf-token': `${token.slice(0, -2)}xx` }, body: { values } });
    expect(wrong.status).toBe(403);
    expect((await send('DELETE', '/api/connections/anything')).status).toBe(403);
    expect(host.store.list().map((c) => c.name)).not.toContain('No token');
    // Reads need no token: a foreign page cannot read our answers anyway (no CORS).
    expect((await send('GET', '/api/connections')).status).toBe(200);
  });

  it('refuses a request body over the size limit', async () => {
    const reply = await api('POST', '/api/connections/test', { values: { name: 'x'.repeat(BODY_LIMIT * 2) } });
    expect(reply.status).toBe(413);
    expect(reply.json.error).toMatchObject({ code: 'TooLarge', message: expect.stringContaining('4,096 bytes') });
  });

  it('serves the page with a strict content security policy and the built assets', async () => {
    const page = await send('GET', '/');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('<title>Amazon S3 · playground</title>');
    const script = await send('GET', '/assets/app.js');
    expect([200, 503]).toContain(script.status);
    expect((await send('GET', '/assets/../../package.json')).status).toBe(404);
  });
});

describe('saved connections through the API', () => {
  let saved: ConnectionView;

  it('saves a connection and never sends its secret back', async () => {
    const created = await api('POST', '/api/connections', { values: s3.connection({ name: 'Emulator', secretAccessKey: SECRET }) });
    expect(created.status).toBe(201);
    saved = created.json;
    expect(saved.label).toBe(`Emulator (${s3.bucket}, us-east-1)`);
    expect(saved.secretsSet).toEqual(['secretAccessKey']);
    expect(saved.values).not.toHaveProperty('secretAccessKey');
    const list = (await api('GET', '/api/connections')).json as ConnectionView[];
    expect(list.map((c) => c.label)).toContain(saved.label);
  });

  it('explains what is wrong with the values, field by field', async () => {
    const reply = await api('POST', '/api/connections', { values: s3.connection({ name: 'Bad', bucket: 'Not_A_Bucket' }) });
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('InvalidInput');
    expect(reply.json.error.message).toContain('bucket');
  });

  it('tests a saved connection by id, and keeps its secret when an edit leaves it empty', async () => {
    const byId = (await api('POST', '/api/connections/test', { id: saved.id })).json as TestResultView;
    expect(byId).toMatchObject({ ok: true, message: expect.stringContaining(`Connected to bucket "${s3.bucket}"`) });

    const edited = await api('PUT', `/api/connections/${saved.id}`, { values: { ...saved.values, name: 'Emulator (edited)', secretAccessKey: '' } });
    expect(edited.status).toBe(200);
    expect(edited.json.secretsSet).toEqual(['secretAccessKey']);
    const afterEdit = (await api('POST', '/api/connections/test', { id: saved.id })).json as TestResultView;
    expect(afterEdit.ok).toBe(true);

    // The edit form's "Test connection" before saving: edited values over the saved secret.
    const unsavedEdit = (await api('POST', '/api/connections/test', { id: saved.id, values: { ...saved.values, bucket: 'no-such-bucket' } })).json as TestResultView;
    expect(unsavedEdit).toMatchObject({ ok: false, code: 'BucketNotFound' });
  });

  it('diagnoses a wrong secret as InvalidCredentials, without echoing it', async () => {
    const wrong = 'TotallyWrongSecretValue/1234567890abcdefgh';
    const reply = await api('POST', '/api/connections/test', { values: s3.connection({ secretAccessKey: wrong }) });
    expect(reply.json).toMatchObject({ ok: false, code: 'InvalidCredentials', message: expect.stringContaining('secret access key does not match') });
    expect(reply.text).not.toContain(wrong);
  });

  it('answers 404 for a connection that does not exist', async () => {
    const reply = await api('DELETE', '/api/connections/nope');
    expect(reply.status).toBe(404);
    expect(reply.json.error.code).toBe('NotFound');
  });
});

describe('runs', () => {
  let stalled: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // An endpoint that accepts connections and never answers: a run against it is honestly in flight until cancelled.
    stalled = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
  });

  it('runs an action with a saved connection and returns its output', async () => {
    const id = host.store.list()[0]!.id;
    const started = await api('POST', '/api/runs', { action: 'list', connection: id, input: {} });
    expect(started.status).toBe(202);
    const run = await waitForRun(started.json.id);
    expect(run).toMatchObject({ action: 'list', status: 'succeeded', output: { objects: [], isTruncated: false } });
    expect(run.finishedAt).toBeDefined();
  });

  it('shows an action’s error with its code and message', async () => {
    const id = host.store.list()[0]!.id;
    const started = await api('POST', '/api/runs', { action: 'head', connection: id, input: { key: 'missing.jpg' } });
    const run = await waitForRun(started.json.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'NotFound', message: expect.stringContaining('missing.jpg') });
  });

  it('cancels a running action through its AbortSignal', async () => {
    const port = (stalled.address() as { port: number }).port;
    const slow = await api('POST', '/api/connections', {
      values: s3.connection({ name: 'Stalled endpoint', endpoint: `http://127.0.0.1:${port}`, secretAccessKey: SECRET }),
    });
    const started = await api('POST', '/api/runs', { action: 'list', connection: slow.json.id, input: {} });
    // In flight: the request reached the endpoint, which holds it.
    await waitForRun(started.json.id, (run) => run.status === 'running' && sockets.size > 0);
    const cancelled = await api('POST', `/api/runs/${started.json.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const run = await waitForRun(started.json.id);
    expect(run.status).toBe('cancelled');
    expect(run.error?.code).toBe('Aborted');
    expect(Date.parse(run.finishedAt!) - Date.parse(run.startedAt)).toBeLessThan(10_000);
  });

  it('refuses an unknown action and an unknown run', async () => {
    const id = host.store.list()[0]!.id;
    expect((await api('POST', '/api/runs', { action: 'nope', connection: id, input: {} })).status).toBe(404);
    expect((await api('GET', '/api/runs/nope')).status).toBe(404);
    expect((await api('GET', '/api/files/nope')).status).toBe(404);
  });
});

describe('the key picker', () => {
  beforeAll(async () => {
    const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c2410c' } }).jpeg().toBuffer();
    const client = rawClient(s3.endpoint);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'pick/cat.jpg', Body: image, ContentType: 'image/jpeg' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'pick/notes.txt', Body: 'hello', ContentType: 'text/plain' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'pick/deeper/dog.png', Body: image, ContentType: 'image/png' }));
    client.destroy();
  });

  it('suggests folders, then keys, under the typed text, with a saved connection', async () => {
    const id = host.store.list()[0]!.id;
    const keys = await api('POST', '/api/suggest', { action: 'get', field: '/key', connection: id, query: 'pick/', input: { as: 'te' } });
    expect(keys.status).toBe(200);
    expect(keys.json.options.map((o: { value: string }) => o.value)).toEqual(['pick/deeper/', 'pick/cat.jpg', 'pick/notes.txt']);
    const images = await api('POST', '/api/suggest', { action: 'resize', field: '/key', connection: id, query: 'pick/' });
    expect(images.json.options.map((o: { value: string }) => o.value)).toEqual(['pick/deeper/', 'pick/cat.jpg']);
  });

  it('answers a field without suggestions, or an unknown connection, with an error to show under the field', async () => {
    const id = host.store.list()[0]!.id;
    const plain = await api('POST', '/api/suggest', { action: 'resize', field: '/width', connection: id });
    expect(plain.status).toBe(400);
    expect(plain.json.error).toMatchObject({ code: 'Usage', message: '"resize" suggests nothing for /width.' });
    expect((await api('POST', '/api/suggest', { action: 'get', field: '/key', connection: 'nope' })).status).toBe(404);
  });

  it('previews an image through the contract\'s get, and serves it for a thumbnail', async () => {
    const id = host.store.list()[0]!.id;
    const preview = await api('POST', '/api/preview', { connection: id, key: 'pick/cat.jpg' });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ name: 'cat.jpg', contentType: 'image/jpeg' });
    const served = await send('GET', `/api/files/${preview.json.id}`);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/jpeg');
    const text = await api('POST', '/api/preview', { connection: id, key: 'pick/notes.txt' });
    expect(text.status).toBe(400);
    expect(text.json.error.message).toBe('"pick/notes.txt" is not an image the page can show.');
  });
});

describe('no secret anywhere', () => {
  it('never sends a saved secret in any response, page or log line', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) expect(body).not.toContain(SECRET);
    expect(bodies.some((body) => body.includes('secretsSet'))).toBe(true);
    for (const line of logs) expect(line).not.toContain(SECRET);
  });
});
