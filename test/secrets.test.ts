/**
 * No secret value in any result, error, cause or log line. Every path below runs with a distinctive
 * canary secret and session token, and everything a host could show or log is scanned for them.
 */
import { inspect } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actions, testConnection, type Logger } from '../src/index.js';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { useEmulator } from './helpers/emulator.js';
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
  });

  it('never shows the canary in any result, error, cause, stack or log line', () => {
    // The scan must have material: every scenario above was recorded, and the logger was used.
    expect(seen.length).toBeGreaterThanOrEqual(30);
    expect(logLines.length).toBeGreaterThan(0);
    // And it can find a canary where there is one.
    expect(leaks(`x ${CANARY_SECRET} y`)).not.toEqual([]);

    const found = [
      ...seen.map(({ scenario, text }) => ({ scenario, leaks: leaks(text) })),
      ...logLines.map((line) => ({ scenario: `log: ${line.slice(0, 60)}`, leaks: leaks(line) })),
    ].filter((f) => f.leaks.length > 0);
    expect(found).toEqual([]);
  });
});
