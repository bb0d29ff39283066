/**
 * Test connection, as the person at the connection form sees it, against the real S3 emulator
 * (which checks SigV4 signatures) and against endpoints that refuse, do not resolve or never answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { testConnection, type TestResult } from '../src/index.js';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { useEmulator } from './helpers/emulator.js';
import { closedPort, silentServer, watchNetwork } from './helpers/network.js';

const s3 = useEmulator();

type Failure = Extract<TestResult, { ok: false }>;

function failure(result: TestResult): Failure & { details: Record<string, unknown> } {
  if (result.ok) throw new Error(`Expected a failure, got success: ${result.message}`);
  return result as Failure & { details: Record<string, unknown> };
}

/** testConnection must answer, never throw: a rejection fails the test with its own message. */
async function probe(connection: unknown, timeoutMs?: number, signal?: AbortSignal): Promise<TestResult> {
  return testConnection(connection, signal ? { signal } : {}, timeoutMs);
}

let network: ReturnType<typeof watchNetwork> | undefined;
afterEach(() => {
  network?.stop();
  network = undefined;
});

describe('a working connection', () => {
  it('says which bucket, region, endpoint and base path it verified', async () => {
    const result = await probe(s3.connection());
    const host = new URL(s3.endpoint).host;
    expect(result).toEqual({
      ok: true,
      message: `Connected to bucket "${s3.bucket}" (us-east-1) at ${host}: the credentials are valid and can list objects.`,
      details: {
        bucket: s3.bucket,
        region: 'us-east-1',
        endpoint: host,
        basePath: '',
        verified: ['credentials', 'bucket', 'region', 's3:ListBucket'],
        empty: true,
      },
    });
  });

  it('probes only the configured bucket with one ListObjectsV2 of one key, never ListAllMyBuckets', async () => {
    network = watchNetwork();
    expect((await probe(s3.connection())).ok).toBe(true);
    expect(network.requests).toHaveLength(1);
    const [request] = network.requests;
    expect(request).toMatch(new RegExp(`^GET 127\\.0\\.0\\.1/${s3.bucket}/?\\?`));
    expect(request).toContain('list-type=2');
    expect(request).toContain('max-keys=1');
  });

  it('succeeds for a user confined to a base path, listing only under that prefix', async () => {
    network = watchNetwork();
    const result = await probe(s3.connection({ basePath: '/tenants/acme' }));
    expect(result.ok).toBe(true);
    expect(result.message).toContain('can list objects under "tenants/acme/"');
    expect(result.details).toMatchObject({ basePath: 'tenants/acme/' });
    expect(network.requests).toHaveLength(1);
    expect(network.requests[0]).toContain('prefix=tenants%2Facme%2F');
  });
});

describe('credentials the service rejects', () => {
  it('names an access key ID that the service does not know', async () => {
    const result = failure(await probe(s3.connection({ accessKeyId: 'AKIAI44QH8DHBEXAMPLE' })));
    expect(result.code).toBe('InvalidCredentials');
    expect(result.message).toBe(
      `The access key ID "AKIAI44QH8DHBEXAMPLE" is not known to ${new URL(s3.endpoint).host}. Check the connection's access key ID: the key may have been deleted or deactivated, or it belongs to another account or service.`,
    );
    expect(result.details).toMatchObject({ awsCode: 'InvalidAccessKeyId', httpStatus: 403, retryable: false });
  });

  it('tells the user the secret is wrong when the signature does not match', async () => {
    const result = failure(await probe(s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYX' })));
    expect(result.code).toBe('InvalidCredentials');
    expect(result.message).toBe(
      `The secret access key does not match the access key ID "${EMULATOR_CREDENTIALS.accessKeyId}". Paste the secret again (watch for stray spaces), or create a new access key if it was lost.`,
    );
    expect(result.details).toMatchObject({ awsCode: 'SignatureDoesNotMatch', httpStatus: 403 });
  });
});

describe('a bucket that does not exist', () => {
  it('names the bucket and says to check its name', async () => {
    const result = failure(await probe(s3.connection({ bucket: 'no-such-bucket' })));
    expect(result.code).toBe('BucketNotFound');
    expect(result.message).toBe(
      `Bucket "no-such-bucket" does not exist at ${new URL(s3.endpoint).host}. Check the connection's bucket name: it is the name only, exactly as in the S3 console.`,
    );
    expect(result.details).toMatchObject({ bucket: 'no-such-bucket', awsCode: 'NoSuchBucket', httpStatus: 404 });
  });
});

describe('an endpoint that cannot be reached', () => {
  it('reports a refused connection as Network, naming host and port', async () => {
    const port = await closedPort();
    const result = failure(await probe(s3.connection({ endpoint: `http://127.0.0.1:${port}` })));
    expect(result.code).toBe('Network');
    expect(result.message).toBe(
      `Cannot reach S3: the connection to 127.0.0.1:${port} was refused. Check the endpoint URL and port, and that the service is running.`,
    );
    expect(result.details).toMatchObject({ errorCode: 'ECONNREFUSED', retryable: true });
    expect(result.details).not.toHaveProperty('awsCode');
  });

  it('reports a host name that does not resolve as Network', async () => {
    const result = failure(await probe(s3.connection({ endpoint: 'http://nonexistent.invalid' })));
    expect(result.code).toBe('Network');
    expect(result.message).toMatch(/^Cannot reach S3: the name nonexistent\.invalid cannot be resolved \((ENOTFOUND|EAI_AGAIN)\)\. Check the endpoint URL\.$/);
    expect(result.details).toMatchObject({ retryable: true });
  });

  it('reports a TLS handshake with a plain-HTTP port as Network and says to check the scheme', async () => {
    const { host } = new URL(s3.endpoint);
    const result = failure(await probe(s3.connection({ endpoint: `https://${host}` })));
    expect(result.code).toBe('Network');
    expect(result.message).toMatch(new RegExp(`^The secure \\(TLS\\) connection to ${host.replace(/\./g, '\\.')} failed \\(\\w+\\)\\. Check that the endpoint's URL scheme`));
    expect(result.details).toMatchObject({ retryable: false });
  });

  it('gives up on an endpoint that never answers within the time limit, as Timeout', async () => {
    const silent = await silentServer();
    try {
      const started = performance.now();
      const result = failure(await probe(s3.connection({ endpoint: silent.endpoint }), 300));
      const elapsed = performance.now() - started;
      expect(result.code).toBe('Timeout');
      expect(result.message).toBe(
        `No answer from ${new URL(silent.endpoint).host} within 300 ms. Check that the endpoint URL and port are right and that no firewall or VPN blocks it, then try again.`,
      );
      expect(result.details).toMatchObject({ timeoutMs: 300, retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });

  it('stops at once when the host cancels or its own deadline passes', async () => {
    const silent = await silentServer();
    try {
      const started = performance.now();
      const result = failure(await probe(s3.connection({ endpoint: silent.endpoint }), 10_000, AbortSignal.timeout(50)));
      // The host's own deadline (a TimeoutError) reads as Timeout, without claiming our 10 s limit.
      expect(result.code).toBe('Timeout');
      expect(result.message).toBe(
        `No answer from ${new URL(silent.endpoint).host} in time. Check that the endpoint URL and port are right and that no firewall or VPN blocks it, then try again.`,
      );
      expect(result.details).not.toHaveProperty('timeoutMs');
      expect(performance.now() - started).toBeLessThan(1_500);

      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const cancelled = failure(await probe(s3.connection({ endpoint: silent.endpoint }), 10_000, controller.signal));
      expect(cancelled.code).toBe('Aborted');
      expect(cancelled.message).toBe('The run was cancelled.');
    } finally {
      await silent.close();
    }
  });
});

describe('a connection that fails its schema', () => {
  const { endpoint: _endpoint, ...awsConnection } = {
    name: 'Production images',
    ...EMULATOR_CREDENTIALS,
    bucket: 'my-product-images',
    region: 'eu-west-1',
    endpoint: undefined,
  };

  const cases: Array<{ what: string; connection: () => unknown; field: string; message: string }> = [
    {
      what: 'a bucket name with capitals and an underscore',
      connection: () => s3.connection({ bucket: 'My_Bucket' }),
      field: '/bucket',
      message:
        'Expected a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens that starts and ends with a letter or digit, as in the S3 console (not an ARN, URL or path) for `connection.bucket` but received "My_Bucket". Edit the connection to fix it.',
    },
    {
      what: 'a bucket given as an S3 URL',
      connection: () => s3.connection({ bucket: 's3://my-bucket' }),
      field: '/bucket',
      message:
        'Expected a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens that starts and ends with a letter or digit, as in the S3 console (not an ARN, URL or path) for `connection.bucket` but received "s3://my-bucket". Edit the connection to fix it.',
    },
    {
      what: 'an endpoint that is not http(s)',
      connection: () => s3.connection({ endpoint: 'ftp://files.example.com' }),
      field: '/endpoint',
      message:
        'Expected an http:// or https:// URL such as https://s3.example.com or http://localhost:9000 for `connection.endpoint` but received "ftp://files.example.com". Edit the connection to fix it.',
    },
    {
      what: 'an access key ID of the wrong shape for AWS (no endpoint)',
      connection: () => ({ ...awsConnection, accessKeyId: 'minioadmin' }),
      field: '/accessKeyId',
      message:
        'Expected an AWS access key ID: 20 characters starting with AKIA or ASIA (a secret access key pasted here is a common mix-up) for `connection.accessKeyId` but received "minioadmin". Edit the connection to fix it.',
    },
    {
      what: 'temporary (ASIA) credentials without their session token',
      connection: () => ({ ...awsConnection, accessKeyId: 'ASIAIOSFODNN7EXAMPLE' }),
      field: '/sessionToken',
      message:
        'Missing required `connection.sessionToken`: Only for temporary credentials (access key IDs starting with ASIA), such as those from AWS STS or IAM Identity Center. Edit the connection to fix it.',
    },
    {
      what: 'a misspelt field',
      connection: () => s3.connection({ bukcet: 'images' }),
      field: '/bukcet',
      message: 'Unknown field `connection.bukcet`: did you mean `bucket`? Edit the connection to fix it.',
    },
    {
      what: 'a missing bucket',
      connection: () => {
        const { bucket: _bucket, ...rest } = s3.connection();
        return rest;
      },
      field: '/bucket',
      message: "Missing required `connection.bucket`: The bucket's name only, as listed in the S3 console (not an ARN or URL). Edit the connection to fix it.",
    },
    {
      what: 'a region with a space',
      connection: () => s3.connection({ region: 'EU West 1' }),
      field: '/region',
      message:
        'Expected an AWS Region such as eu-west-1, or a region name of lowercase letters, digits and hyphens such as auto for `connection.region` but received "EU West 1". Edit the connection to fix it.',
    },
    {
      what: 'no connection at all',
      connection: () => undefined,
      field: '',
      message: 'Expected an object for the connection but received nothing. Edit the connection to fix it.',
    },
  ];

  it.each(cases)('reports $what as InvalidInput naming the field, before any network call', async ({ connection, field, message }) => {
    network = watchNetwork();
    const result = failure(await probe(connection()));
    expect(result).toMatchObject({ ok: false, code: 'InvalidInput', message });
    expect(result.details.field).toBe(field);
    expect(network.sockets).toEqual([]);
    expect(network.requests).toEqual([]);
  });

  it.each([null, 42, 'AKIAIOSFODNN7EXAMPLE', [], {}, { name: { nested: true } }])('answers %j with InvalidInput instead of throwing', async (value) => {
    const result = failure(await probe(value));
    expect(result.code).toBe('InvalidInput');
    expect(result.message).toMatch(/^(Expected|Missing required) .*Edit the connection to fix it\.$/);
  });

  it('refuses a base path that climbs out with "..", before any network call', async () => {
    network = watchNetwork();
    const result = failure(await probe(s3.connection({ basePath: 'tenants/../other' })));
    expect(result.code).toBe('InvalidInput');
    expect(result.message).toBe('Expected `basePath` to be a key prefix such as "images/" but received "tenants/../other": it contains a "." or ".." segment.');
    expect(result.details.field).toBe('/basePath');
    expect(network.requests).toEqual([]);
  });
});
