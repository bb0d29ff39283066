/**
 * No secret value in any result, error, cause or log line. Every path below runs with a distinctive
 * canary secret and session token, and everything a host could show or log is scanned for them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leaseClient } from '../src/connection/client.js';
import { resolveConnection } from '../src/connection/resolve.js';
import { actions, testConnection, type Logger } from '../src/index.js';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { openHost } from '../src/host/core/run.js';
import { startPlayground } from '../src/host/web/server.js';
import { useEmulator } from './helpers/emulator.js';
import { startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest } from './helpers/fault-proxy.js';
import { memoryFiles } from './helpers/files.js';
import { rawRequest } from './helpers/http.js';
import { closedPort, silentServer } from './helpers/network.js';
import { awsError, awsHeaders, BUCKET_ORIGIN } from './helpers/nock.js';

/** Shaped like real AWS credentials (40 characters; a long token), and unmistakable in any text. */
const CANARY_SECRET = 'CanaryS3cret/Zq8+Do9NotLeak7xYwv3Tr2Ub1x';
const CANARY_TOKEN = `IQoJCanaryT0ken${'b3JpZ2luX2VjEXAMPLE'.repeat(6)}`;
const CANARY_KEY_ID = 'AKIACANARYUSER000001';
/** Forms a secret may take on its way out: raw, URL-encoded, base64, JSON-escaped. */
const NEEDLES = [CANARY_SECRET, CANARY_TOKEN].flatMap((s) => [
  s,
  encodeURIComponent(s),
  Buffer.from(s).toString('base64'),
  JSON.stringify(s).slice(1, -1),
  s.slice(0, 24), // a leading fragment, as a truncated quote would show it
]);

const s3 = useEmulator({ keyPairs: [{ accessKeyId: CANARY_KEY_ID, secretAccessKey: CANARY_SECRET }] });

/** Everything a host might show, store or log, as text. */
const seen: Array<{ scenario: string; text: string }> = [];
const logLines: string[] = [];
/** Whatever this process wrote to its console, stdout and stderr meanwhile: where the SDK's own output would go. */
const consoleLines: string[] = [];
const restoreConsole: Array<() => void> = [];
beforeAll(() => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      consoleLines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8, showHidden: true }))).join(' '));
      original.apply(console, args);
    };
    restoreConsole.push(() => (console[method] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      consoleLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restoreConsole.push(() => (stream.write = original));
  }
});
afterAll(() => {
  for (const restore of restoreConsole) restore();
});

const logger: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [
    level,
    (msg: string, data?: object) => {
      logLines.push(`${level} ${msg} ${data === undefined ? '' : safeJson(data)} ${inspect(data, { depth: 8 })}`);
    },
  ]),
) as unknown as Logger;

function safeJson(value: unknown): string {
  const visited = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'object' && v !== null) {
        if (visited.has(v)) return '[circular]';
        visited.add(v);
      }
      return typeof v === 'bigint' ? v.toString() : v;
    });
  } catch (error) {
    return `[unserialisable: ${String(error)}]`;
  }
}

/** Every string reachable from an error through own properties (hidden ones too), up to a depth. */
function reachableStrings(value: unknown, depth = 0, visited = new WeakSet<object>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || depth > 8 || visited.has(value)) return [];
  visited.add(value);
  if (ArrayBuffer.isView(value)) return [Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')];
  const out: string[] = [];
  for (const key of Reflect.ownKeys(value)) {
    let child: unknown;
    try {
      child = (value as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    out.push(String(key), ...reachableStrings(child, depth + 1, visited));
  }
  return out;
}

function record(scenario: string, outcome: unknown): void {
  const parts = [safeJson(outcome), inspect(outcome, { depth: Infinity, showHidden: true })];
  if (outcome instanceof Error) {
    parts.push(outcome.message, String(outcome.stack), safeJson(outcome), ...reachableStrings(outcome));
  }
  seen.push({ scenario, text: parts.join('\n') });
}

/** Runs a hook or action and records what came back or what was thrown. */
async function run(scenario: string, work: () => Promise<unknown>): Promise<unknown> {
  try {
    const result = await work();
    record(scenario, result);
    return result;
  } catch (error) {
    record(scenario, error);
    return error;
  }
}

function leaks(text: string): string[] {
  return NEEDLES.filter((needle) => text.includes(needle));
}

const canary = (overrides: Record<string, unknown> = {}) => s3.connection({ accessKeyId: CANARY_KEY_ID, secretAccessKey: CANARY_SECRET, ...overrides });
const wrongSecret = (overrides: Record<string, unknown> = {}) => s3.connection({ secretAccessKey: CANARY_SECRET, ...overrides });

beforeAll(async () => {
  const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tenants/acme/report.csv', Body: 'a,b\n1,2\n', ContentType: 'text/csv' }));
  client.destroy();
});

describe('with a canary secret and session token', () => {
  it('succeeds with the canary credentials, so success paths are scanned too', async () => {
    expect(await run('test: success', () => testConnection(canary(), { logger }))).toMatchObject({ ok: true });
    expect(await run('test: success with token', () => testConnection(canary({ sessionToken: CANARY_TOKEN, basePath: 'tenants/acme' }), { logger }))).toMatchObject({ ok: true });
    expect(await run('head: success', () => actions.head!({ key: 'report.csv' }, { connection: canary({ basePath: 'tenants/acme', sessionToken: CANARY_TOKEN }), logger }))).toMatchObject({ key: 'report.csv', size: 8 });
  });

  it('fails the expected ways against the emulator', async () => {
    const outcomes = [
      await run('test: wrong secret', () => testConnection(wrongSecret(), { logger })),
      await run('test: wrong secret with token', () => testConnection(wrongSecret({ sessionToken: CANARY_TOKEN }), { logger })),
      await run('test: unknown key id', () => testConnection(canary({ accessKeyId: 'AKIAUNKNOWNKEY000000', sessionToken: CANARY_TOKEN }), { logger })),
      await run('test: no such bucket', () => testConnection(canary({ bucket: 'no-such-bucket', sessionToken: CANARY_TOKEN }), { logger })),
      await run('head: wrong secret with token', () => actions.head!({ key: 'report.csv' }, { connection: wrongSecret({ sessionToken: CANARY_TOKEN }), logger })),
      await run('head: not found', () => actions.head!({ key: 'missing.csv' }, { connection: canary({ sessionToken: CANARY_TOKEN }), logger })),
      await run('head: no such bucket', () => actions.head!({ key: 'a' }, { connection: canary({ bucket: 'no-such-bucket' }), logger })),
    ];
    // Each of these really was a failure, so the scan covers failure paths, not only successes.
    expect(outcomes.map((o) => (o instanceof Error ? (o as { code?: string }).code : (o as { code?: string }).code))).toEqual([
      'InvalidCredentials',
      'InvalidCredentials',
      'InvalidCredentials',
      'BucketNotFound',
      'AccessDenied',
      'NotFound',
      'NotFound', // a HEAD answer has no body: a missing bucket and a missing key look alike
    ]);
  });

  it('fails the expected ways when the endpoint cannot be reached', async () => {
    const port = await closedPort();
    const silent = await silentServer();
    try {
      const outcomes = [
        await run('test: refused', () => testConnection(canary({ endpoint: `http://127.0.0.1:${port}`, sessionToken: CANARY_TOKEN }), { logger })),
        await run('test: dns', () => testConnection(canary({ endpoint: 'http://nonexistent.invalid', sessionToken: CANARY_TOKEN, maxAttempts: 1 }), { logger })),
        await run('test: timeout', () => testConnection(canary({ endpoint: silent.endpoint, sessionToken: CANARY_TOKEN }), { logger }, 200)),
        await run('head: refused', () => actions.head!({ key: 'a' }, { connection: canary({ endpoint: `http://127.0.0.1:${port}`, sessionToken: CANARY_TOKEN, maxAttempts: 1 }), logger })),
        await run('head: cancelled', () => actions.head!({ key: 'a' }, { connection: canary({ endpoint: silent.endpoint, sessionToken: CANARY_TOKEN }), logger, signal: AbortSignal.timeout(100) })),
      ];
      expect(outcomes.map((o) => (o as { code?: string }).code)).toEqual(['Network', 'Network', 'Timeout', 'Network', 'Timeout']);
    } finally {
      await silent.close();
    }
  });

  it('rejects bad input on the secret fields without quoting them', async () => {
    const { endpoint: _endpoint, ...aws } = canary();
    const outcomes = [
      await run('test: secret with a space', () => testConnection(canary({ secretAccessKey: `${CANARY_SECRET} ` }), { logger })),
      await run('test: secret too long', () => testConnection(canary({ secretAccessKey: CANARY_SECRET.repeat(7) }), { logger })),
      await run('test: token with a line break', () => testConnection(canary({ sessionToken: `${CANARY_TOKEN}\n` }), { logger })),
      await run('test: secret as access key id', () => testConnection({ ...aws, accessKeyId: CANARY_SECRET }, { logger })),
      await run('test: keys swapped', () => testConnection({ ...aws, accessKeyId: CANARY_SECRET, secretAccessKey: CANARY_KEY_ID }, { logger })),
      await run('test: token in the name', () => testConnection(canary({ name: CANARY_TOKEN }), { logger })),
      await run('test: secret under a misspelt field', () => testConnection(canary({ secretAccesKey: CANARY_SECRET }), { logger })),
      await run('test: secret in the bucket', () => testConnection(canary({ bucket: CANARY_SECRET }), { logger })),
      await run('head: secret with a space', () => actions.head!({ key: 'a' }, { connection: canary({ secretAccessKey: ` ${CANARY_SECRET}` }), logger })),
      await run('head: secret in a misspelt input field', () => actions.head!({ key: 'a', secretAccessKey: CANARY_SECRET }, { connection: canary(), logger })),
      await run('head: secret as the version id type', () => actions.head!({ key: 'a', versionId: [CANARY_SECRET] }, { connection: canary(), logger })),
    ];
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 'InvalidInput' });
  });

  describe('against scripted AWS answers', () => {
    beforeAll(() => {
      // Only AWS is scripted; the emulator on 127.0.0.1 stays reachable for the other tests.
      nock.disableNetConnect();
      nock.enableNetConnect((host) => host.startsWith('127.0.0.1'));
    });
    afterEach(() => nock.cleanAll());
    afterAll(() => {
      nock.enableNetConnect();
      nock.restore();
    });

    const aws = (overrides: Record<string, unknown> = {}) => ({
      name: 'Canary',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      secretAccessKey: CANARY_SECRET,
      sessionToken: CANARY_TOKEN,
      bucket: 'test-bucket',
      region: 'us-east-1',
      maxAttempts: 1,
      ...overrides,
    });

    it('maps AWS-only failures', async () => {
      const list = () => nock(BUCKET_ORIGIN).get('/').query(true);
      list().reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
      list().reply(301, awsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.'), awsHeaders({ 'x-amz-bucket-region': 'eu-west-1' }));
      list().reply(403, awsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'), awsHeaders());
      list().reply(503, awsError('SlowDown', 'Please reduce your request rate.'), awsHeaders());
      // What real S3 answers a wrong secret with: the canonical request, signed headers and all.
      list().reply(function () {
        const token = String(this.req.headers['x-amz-security-token'] ?? '');
        return [
          403,
          awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
            AWSAccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
            StringToSign: 'AWS4-HMAC-SHA256\n20250101T000000Z\n20250101/us-east-1/s3/aws4_request\n0123',
            CanonicalRequest: `GET\n/\nlist-type=2&amp;max-keys=1\nhost:test-bucket.s3.us-east-1.amazonaws.com\nx-amz-security-token:${token}\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD`,
          }),
          awsHeaders(),
        ];
      });
      nock(BUCKET_ORIGIN).head('/report.csv').reply(403, '', awsHeaders());
      const outcomes = [
        await run('aws test: access denied', () => testConnection(aws({ basePath: 'tenants/acme' }), { logger })),
        await run('aws test: wrong region', () => testConnection(aws(), { logger })),
        await run('aws test: clock skew', () => testConnection(aws(), { logger })),
        await run('aws test: slow down', () => testConnection(aws(), { logger })),
        await run('aws test: signature mismatch echoing the token', () => testConnection(aws(), { logger })),
        await run('aws head: access denied', () => actions.head!({ key: 'report.csv' }, { connection: aws(), logger })),
      ];
      expect(outcomes.map((o) => (o as { code?: string }).code)).toEqual(['AccessDenied', 'WrongRegion', 'InvalidCredentials', 'Throttled', 'InvalidCredentials', 'AccessDenied']);
      expect(nock.pendingMocks()).toEqual([]);
    });

    /** S3's answer to a wrong signature: the canonical request and string to sign, with the session token the request carried. */
    const echoingAnswer = function (this: { req: { headers: Record<string, string | string[] | undefined>; method?: string; path?: string } }) {
      const token = String(this.req.headers['x-amz-security-token'] ?? '');
      return [
        403,
        awsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
          AWSAccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
          StringToSign: `AWS4-HMAC-SHA256\n20250101T000000Z\n20250101/us-east-1/s3/aws4_request\n${token}`,
          StringToSignBytes: Buffer.from(token).toString('hex').replace(/(..)/g, '$1 '),
          CanonicalRequest: `${this.req.method ?? 'GET'}\n/\n\nhost:test-bucket.s3.us-east-1.amazonaws.com\nx-amz-security-token:${token}\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD`,
        }),
        awsHeaders(),
      ] as [number, string, Record<string, string>];
    };

    it('keeps echoed canonical requests out of every action\'s error', async () => {
      nock(BUCKET_ORIGIN).get('/').query(true).reply(echoingAnswer);
      nock(BUCKET_ORIGIN).get('/report.csv').query(true).reply(echoingAnswer);
      nock(BUCKET_ORIGIN).put('/report.csv').query(true).reply(echoingAnswer);
      nock(BUCKET_ORIGIN).get('/').query(true).reply(echoingAnswer);
      const outcomes = [
        await run('aws list: echoed token', () => actions.list!({}, { connection: aws(), logger })),
        await run('aws get: echoed token', () => actions.get!({ key: 'report.csv', as: 'file' }, { connection: aws(), logger, files: memoryFiles() })),
        await run('aws put: echoed token', () => actions.put!({ key: 'report.csv', text: 'a,b' }, { connection: aws(), logger })),
        await run('aws cleanup: echoed token', () => actions.cleanupUploads!({}, { connection: aws(), logger })),
      ];
      expect(outcomes.map((o) => (o as { code?: string }).code)).toEqual(['InvalidCredentials', 'InvalidCredentials', 'InvalidCredentials', 'InvalidCredentials']);
    });

    it("gives the SDK's own logger nothing to print: what it is handed leaves no trace in any output", async () => {
      // A plain SDK client with a logger shows what the SDK logs on a failure: the raw error, echo and all.
      const handed: unknown[] = [];
      const recording = { debug: () => {}, info: () => {}, warn: (...a: unknown[]) => handed.push(...a), error: (...a: unknown[]) => handed.push(...a), trace: () => {} };
      const plain = new S3Client({ region: 'us-east-1', maxAttempts: 1, logger: recording, credentials: { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: CANARY_SECRET, sessionToken: CANARY_TOKEN } });
      nock(BUCKET_ORIGIN).get('/').query(true).reply(echoingAnswer);
      await plain.send(new ListObjectsV2Command({ Bucket: 'test-bucket' })).catch(() => undefined);
      plain.destroy();
      // The danger is real: the SDK hands its logger the session token.
      expect(leaks(inspect(handed, { depth: 12, showHidden: true }))).not.toEqual([]);

      // The connector's clients: their SDK logger receives the same, and nothing of it reaches any output.
      const lease = leaseClient(resolveConnection(aws()).settings);
      try {
        const sdkLogger = lease.client.config.logger as unknown as Record<string, (...a: unknown[]) => void>;
        const before = consoleLines.length;
        for (const level of ['debug', 'info', 'warn', 'error']) sdkLogger[level]?.(...handed);
        const printed = consoleLines.slice(before);
        record("the connector's SDK logger", printed);
        expect(leaks(printed.join('\n'))).toEqual([]);
      } finally {
        lease.release();
      }
    });
  });

  describe('under a hostile network (the loopback fault proxy)', () => {
    let proxy: FaultProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });
    const through = async (rule: (r: ProxiedRequest) => Fault | undefined) => {
      proxy = await startFaultProxy({ upstreamPort: Number(new URL(s3.endpoint).port), rule });
      return canary({ endpoint: proxy.endpoint, sessionToken: CANARY_TOKEN, maxAttempts: 1, requestTimeoutMs: 1000 });
    };
    const isGet = (r: ProxiedRequest) => r.method === 'GET' && !r.path.includes('list-type');

    it('fails cut, corrupted, stalled, throttled and half-aborted transfers without a trace of the secret', async () => {
      const files = memoryFiles();
      const big = await files.add('big.bin', randomBytes(9 * 1024 * 1024));
      const outcomes = [
        await run('get: cut off', async () => actions.get!({ key: 'tenants/acme/report.csv', as: 'text' }, { connection: await through((r) => (isGet(r) ? { kind: 'cutResponse', afterBodyBytes: 3, how: 'reset' } : undefined)), logger })),
        await run('get: corrupted', async () => actions.get!({ key: 'tenants/acme/report.csv', as: 'file', verify: true }, { connection: await through((r) => (isGet(r) ? { kind: 'corrupt', atBodyByte: 2 } : undefined)), logger, files })),
        await run('get: stalled', async () => actions.get!({ key: 'tenants/acme/report.csv', as: 'text' }, { connection: await through((r) => (isGet(r) ? { kind: 'stallResponse', afterBodyBytes: 1 } : undefined)), logger })),
        await run('put: corrupted on its way', async () => actions.put!({ key: 'x.txt', text: 'hello' }, { connection: await through((r) => (r.method === 'PUT' ? { kind: 'corruptRequest', atBodyByte: 1 } : undefined)), logger })),
        await run('list: slowed down', async () => actions.list!({}, { connection: await through(() => ({ kind: 'status', status: 503, code: 'SlowDown' })), logger })),
        await run('put: multipart failing, aborts failing', async () =>
          actions.put!({ key: 'big.bin', file: big, storeHash: true }, {
            connection: await through((r) => (r.method === 'DELETE' || r.path.includes('partNumber=2') ? { kind: 'status', status: 500, code: 'InternalError' } : undefined)),
            logger,
            files,
          }),
        ),
        await run('cleanupUploads: success', () => actions.cleanupUploads!({ olderThanHours: 0 }, { connection: canary({ sessionToken: CANARY_TOKEN }), logger })),
      ];
      expect(outcomes.map((o) => (o as { code?: string }).code)).toEqual(['Network', 'Network', 'Timeout', 'Network', 'Throttled', 'ServerError', undefined]);
      expect((outcomes[5] as { details: object }).details).toHaveProperty('incompleteUpload');
    });

    it('refuses endpoints holding the secret or pointing at metadata services without echoing them', async () => {
      const port = new URL(s3.endpoint).port;
      const outcomes = [
        await run('test: secret as the endpoint password', () => testConnection(canary({ endpoint: `http://user:${CANARY_SECRET}@127.0.0.1:${port}` }), { logger })),
        await run('test: token as the endpoint user', () => testConnection(canary({ endpoint: `http://${encodeURIComponent(CANARY_TOKEN)}@127.0.0.1:${port}` }), { logger })),
        await run('head: secret as the endpoint password', () => actions.head!({ key: 'a' }, { connection: canary({ endpoint: `http://user:${CANARY_SECRET}@127.0.0.1:${port}`, sessionToken: CANARY_TOKEN }), logger })),
        await run('presign: secret as the endpoint password', () => actions.presign!({ key: 'a' }, { connection: canary({ endpoint: `https://k:${encodeURIComponent(CANARY_SECRET)}@s3.example.com`, sessionToken: CANARY_TOKEN }), logger })),
        await run('presign: metadata endpoint', () => actions.presign!({ key: 'a', method: 'PUT' }, { connection: canary({ endpoint: 'http://[::ffff:169.254.169.254]', sessionToken: CANARY_TOKEN }), logger })),
        await run('presign: key escaping the base path', () => actions.presign!({ key: '../other/a' }, { connection: canary({ basePath: 'tenants/acme', sessionToken: CANARY_TOKEN }), logger })),
        await run('presign: expiry over 7 days', () => actions.presign!({ key: 'a', expiresIn: 700_000 }, { connection: canary({ sessionToken: CANARY_TOKEN }), logger })),
      ];
      expect(outcomes.map((o) => (o as { code?: string }).code)).toEqual(['InvalidInput', 'InvalidInput', 'InvalidInput', 'InvalidInput', 'InvalidInput', 'InvalidInput', 'InvalidInput']);
      // A presigned URL made with long-term keys holds a signature, never the secret.
      expect(await run('presign: success', () => actions.presign!({ key: 'report.csv' }, { connection: canary({ basePath: 'tenants/acme' }), logger }))).toMatchObject({ method: 'GET' });
    });
  });

  describe("the reference host's logs and pages", () => {
    let home: string;
    const bodies: string[] = [];
    afterAll(async () => {
      for (const [i, text] of bodies.entries()) seen.push({ scenario: `host page ${i}`, text });
      await rm(home, { recursive: true, force: true });
    });

    it('show failures of a saved canary connection without a trace of the secret', async () => {
      home = await mkdtemp(path.join(tmpdir(), 'secrets-host-'));
      const host = await openHost({ connectorDir: path.resolve('.'), home, env: {} });
      const hostLogs: string[] = [];
      const playground = await startPlayground({ host, log: (level, msg, data) => hostLogs.push(`${level} ${msg} ${safeJson(data)} ${inspect(data, { depth: 8 })}`) });
      const proxy = await startFaultProxy({ upstreamPort: Number(new URL(s3.endpoint).port), rule: (r) => (r.method === 'GET' && !r.path.includes('list-type') ? { kind: 'corrupt', atBodyByte: 1 } : undefined) });
      try {
        const send = async (method: string, urlPath: string, body?: unknown, token?: string) => {
          const reply = await rawRequest(playground.port, method, urlPath, { body, ...(token ? { headers: { 'x-csrf-token': token } } : {}) });
          bodies.push(reply.text);
          return reply;
        };
        const page = await send('GET', '/');
        const token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1] ?? '';
        const values = canary({ name: 'Canary tenant', endpoint: proxy.endpoint, sessionToken: CANARY_TOKEN, maxAttempts: 1 });
        const created = await send('POST', '/api/connections', { values }, token);
        expect(created.status).toBe(201);
        const wrong = await send('POST', '/api/connections/test', { values: wrongSecret({ sessionToken: CANARY_TOKEN }) }, token);
        expect(wrong.json).toMatchObject({ ok: false, code: 'InvalidCredentials' });
        const runOf = async (action: string, input: unknown) => {
          const started = await send('POST', '/api/runs', { action, connection: created.json.id, input }, token);
          for (let i = 0; i < 200; i++) {
            const view = await send('GET', `/api/runs/${started.json.id}`);
            if (view.json.status !== 'running') return view.json;
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          throw new Error('the run did not finish');
        };
        expect(await runOf('get', { key: 'tenants/acme/report.csv', as: 'text', verify: true })).toMatchObject({ status: 'failed', error: { code: 'Network' } });
        expect(await runOf('head', { key: 'missing.csv' })).toMatchObject({ status: 'failed', error: { code: 'NotFound' } });
        expect(await runOf('presign', { key: '../escape' })).toMatchObject({ status: 'failed', error: { code: 'InvalidInput' } });
        await send('GET', '/api/connections');
        expect(bodies.length).toBeGreaterThanOrEqual(8);
      } finally {
        await proxy.close();
        await playground.close();
      }
      for (const line of hostLogs) logLines.push(`host: ${line}`);
    });
  });

  it('never shows the canary in any result, error, cause, stack, log line or console output', () => {
    // The scan must have material: every scenario above was recorded, and the logger was used.
    expect(seen.length).toBeGreaterThanOrEqual(45);
    expect(logLines.length).toBeGreaterThan(0);
    // And it can find a canary where there is one.
    expect(leaks(`x ${CANARY_SECRET} y`)).not.toEqual([]);

    const found = [
      ...seen.map(({ scenario, text }) => ({ scenario, leaks: leaks(text) })),
      ...logLines.map((line) => ({ scenario: `log: ${line.slice(0, 60)}`, leaks: leaks(line) })),
      ...consoleLines.map((line) => ({ scenario: `console: ${line.slice(0, 60)}`, leaks: leaks(line) })),
    ].filter((f) => f.leaks.length > 0);
    expect(found).toEqual([]);
  });
});
