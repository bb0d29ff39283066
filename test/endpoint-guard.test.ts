/**
 * The endpoint SSRF guard. No test here sends a packet anywhere but 127.0.0.0/8: addresses
 * outside loopback are judged without connecting (the guard refuses before any socket connects),
 * names are resolved by an injected resolver, and the end-to-end cases map names to 127.0.0.x
 * where a sentinel listener counts what reaches it.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { actions, testConnection } from '../src/index.js';
import { ALLOW_HOSTS_ENV, BLOCK_PRIVATE_ENV, checkEndpoint, guardedLookup, useResolver, type EndpointPolicy, type Resolver } from '../src/net/endpoint-guard.js';
import { useEmulator } from './helpers/emulator.js';
import { loopbackResolver, watchNetwork } from './helpers/network.js';

const s3 = useEmulator();

const DEFAULT: EndpointPolicy = { blockPrivate: false, allowHosts: [] };
const BLOCKING: EndpointPolicy = { blockPrivate: true, allowHosts: [] };

type Expect = 'refused' | 'allowed';
/** [endpoint, by default, with private addresses blocked] */
const VECTORS: ReadonlyArray<readonly [string, Expect, Expect]> = [
  // "This host", metadata services, multicast, reserved: refused under every policy.
  ['http://0.0.0.0:9000', 'refused', 'refused'],
  ['http://0', 'refused', 'refused'],
  ['http://0.1.2.3', 'refused', 'refused'],
  ['http://169.254.169.254', 'refused', 'refused'],
  ['http://169.254.169.254./latest/meta-data', 'refused', 'refused'],
  ['http://0xa9.0xfe.0xa9.0xfe', 'refused', 'refused'],
  ['http://0xa9fea9fe', 'refused', 'refused'],
  ['http://2852039166', 'refused', 'refused'],
  ['http://0251.0376.0251.0376', 'refused', 'refused'],
  ['http://169.254.43518', 'refused', 'refused'],
  ['http://169.254.170.2', 'refused', 'refused'],
  ['http://[fe80::1]', 'refused', 'refused'],
  ['http://[fe80::a9fe:a9fe]', 'refused', 'refused'],
  ['http://[fd00:ec2::254]', 'refused', 'refused'],
  ['http://100.100.100.200', 'refused', 'refused'],
  ['http://224.0.0.1', 'refused', 'refused'],
  ['http://239.255.255.250', 'refused', 'refused'],
  ['http://240.0.0.1', 'refused', 'refused'],
  ['http://255.255.255.255', 'refused', 'refused'],
  ['http://[::]', 'refused', 'refused'],
  ['http://[ff02::1]', 'refused', 'refused'],
  ['http://[::ffff:169.254.169.254]', 'refused', 'refused'],
  ['http://[::ffff:a9fe:a9fe]', 'refused', 'refused'],
  ['http://[64:ff9b::169.254.169.254]', 'refused', 'refused'],
  ['http://[64:ff9b::a9fe:a9fe]', 'refused', 'refused'],
  ['http://[::ffff:0.0.0.0]', 'refused', 'refused'],
  ['http://[::ffff:100.100.100.200]', 'refused', 'refused'],
  ['http://[64:ff9b::6464:64c8]', 'refused', 'refused'],
  ['http://[2002:a9fe:a9fe::1]', 'refused', 'refused'],
  ['http://[::169.254.169.254]', 'refused', 'refused'],
  // Loopback, private and other internal addresses: allowed unless the host blocks them.
  ['http://127.0.0.1:9000', 'allowed', 'refused'],
  ['http://127.1', 'allowed', 'refused'],
  ['http://0x7f.1', 'allowed', 'refused'],
  ['http://2130706433', 'allowed', 'refused'],
  ['http://017700000001', 'allowed', 'refused'],
  ['http://127.255.255.254', 'allowed', 'refused'],
  ['http://[::1]:9000', 'allowed', 'refused'],
  ['http://[::ffff:127.0.0.1]', 'allowed', 'refused'],
  ['http://[64:ff9b::7f00:1]', 'allowed', 'refused'],
  ['http://10.0.0.5:9000', 'allowed', 'refused'],
  ['http://172.16.0.1', 'allowed', 'refused'],
  ['http://172.31.255.255', 'allowed', 'refused'],
  ['http://192.168.1.10', 'allowed', 'refused'],
  ['http://100.64.0.1', 'allowed', 'refused'],
  ['http://[fc00::1]', 'allowed', 'refused'],
  ['http://[fd12:3456::1]', 'allowed', 'refused'],
  ['http://[::ffff:10.1.2.3]', 'allowed', 'refused'],
  ['http://192.0.2.10', 'allowed', 'refused'],
  ['http://198.18.0.1', 'allowed', 'refused'],
  // Public addresses and host names (names are judged on what they resolve to): allowed.
  ['https://s3.example.com', 'allowed', 'allowed'],
  ['http://minio.internal:9000', 'allowed', 'allowed'],
  ['http://8.8.8.8', 'allowed', 'allowed'],
  ['http://172.32.0.1', 'allowed', 'allowed'],
  ['http://100.128.0.1', 'allowed', 'allowed'],
  ['http://169.255.0.1', 'allowed', 'allowed'],
  ['http://100.100.100.201', 'allowed', 'refused'],
  ['http://11.0.0.1', 'allowed', 'allowed'],
  ['http://[2606:4700::1111]', 'allowed', 'allowed'],
  ['http://[::ffff:8.8.8.8]', 'allowed', 'allowed'],
  ['http://[64:ff9b::808:808]', 'allowed', 'allowed'],
];

function outcome(endpoint: string, policy: EndpointPolicy): Expect {
  try {
    checkEndpoint(endpoint, policy);
    return 'allowed';
  } catch (error) {
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'InvalidInput', field: '/endpoint' });
    return 'refused';
  }
}

describe(`${VECTORS.length} endpoint addresses, judged without connecting`, () => {
  it('has at least 40 vectors', () => expect(VECTORS.length).toBeGreaterThanOrEqual(40));

  it.each(VECTORS)('%s: %s by default, %s when private addresses are blocked', (endpoint, byDefault, blocking) => {
    expect(outcome(endpoint, DEFAULT)).toBe(byDefault);
    expect(outcome(endpoint, BLOCKING)).toBe(blocking);
  });

  it('lets allow-listed hosts be internal when private addresses are blocked, but never a metadata address', () => {
    const policy: EndpointPolicy = { blockPrivate: true, allowHosts: ['10.0.0.5', '::1', '169.254.169.254'] };
    expect(outcome('http://10.0.0.5:9000', policy)).toBe('allowed');
    expect(outcome('http://[::1]:9000', policy)).toBe('allowed');
    expect(outcome('http://10.0.0.6:9000', policy)).toBe('refused');
    expect(outcome('http://169.254.169.254', policy)).toBe('refused');
  });

  it('says why, in words: what the address is and what to do', () => {
    expect(() => checkEndpoint('http://[::ffff:169.254.169.254]', DEFAULT)).toThrow(
      'The endpoint\'s address ::ffff:a9fe:a9fe is the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16), where the AWS, GCP and Azure metadata services answer. Connections never go there, so it cannot be an S3 endpoint: set `connection.endpoint` to your S3 service\'s URL.',
    );
    expect(() => checkEndpoint('http://0x7f.1:9000', BLOCKING)).toThrow(
      `The endpoint's address 127.0.0.1 is a loopback address (127.0.0.0/8), and this host blocks loopback and private addresses (${BLOCK_PRIVATE_ENV}). Use a public endpoint, or ask the host's administrator to add "127.0.0.1" to ${ALLOW_HOSTS_ENV}.`,
    );
  });
});

/** The name every end-to-end case resolves, through the injected resolver only. */
const TENANT_HOST = 'tenant-storage.test';

/** Where the sentinel listens: a loopback address of its own, so only connections meant for it count. */
const SENTINEL = '127.0.0.7';

/** A listener on SENTINEL that counts the connections it accepts and drops each at once. */
async function sentinel(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, SENTINEL, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A resolver that knows only TENANT_HOST, answering each lookup with the next of `answers` (the last repeats). */
function scriptedResolver(...answers: LookupAddress[][]): Resolver & { calls: number } {
  const resolver = Object.assign(
    ((hostname, _options, callback) => {
      if (hostname !== TENANT_HOST) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
        return;
      }
      const answer = answers[Math.min(resolver.calls, answers.length - 1)]!;
      resolver.calls++;
      queueMicrotask(() => callback(null, answer));
    }) as Resolver,
    { calls: 0 },
  );
  return resolver;
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

function withEnv(values: Record<string, string | undefined>) {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

describe('the lookup hook on the S3 clients\' agents', () => {
  let listener: Awaited<ReturnType<typeof sentinel>>;
  let restoreEnv = () => {};
  beforeAll(async () => {
    listener = await sentinel();
  });
  afterAll(async () => {
    await listener.close();
  });
  afterEach(() => {
    useResolver(loopbackResolver);
    restoreEnv();
    restoreEnv = () => {};
  });

  // A distinct attempt count per case, so each gets its own client (no keep-alive socket carried over).
  let attempts = 0;
  const tenant = () => s3.connection({ endpoint: `http://${TENANT_HOST}:${listener.port}`, maxAttempts: (attempts++ % 9) + 1, connectTimeoutMs: 2_000 });

  it('refuses a name that resolves to 127.0.0.x when loopback is blocked: the sentinel accepts no connection', async () => {
    restoreEnv = withEnv({ [BLOCK_PRIVATE_ENV]: '1', [ALLOW_HOSTS_ENV]: undefined });
    const resolver = scriptedResolver([v4(SENTINEL)]);
    useResolver(resolver);
    const before = listener.accepted();
    const result = await testConnection(tenant());
    expect(result).toMatchObject({ ok: false, code: 'InvalidInput', details: { field: '/endpoint', address: SENTINEL } });
    expect(result.message).toBe(
      `The endpoint's host "${TENANT_HOST}" resolves to ${SENTINEL}, a loopback address (127.0.0.0/8), and this host blocks loopback and private addresses (${BLOCK_PRIVATE_ENV}). Use a public endpoint, or ask the host's administrator to add "${TENANT_HOST}" to ${ALLOW_HOSTS_ENV}.`,
    );
    const thrown = await actions.head!({ key: 'a.txt' }, { connection: tenant() }).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'InvalidInput', field: '/endpoint', retryable: false });
    expect(resolver.calls).toBeGreaterThanOrEqual(2);
    expect(listener.accepted() - before).toBe(0);
  });

  it('refuses a name that resolves to the IPv4-mapped form of a loopback address when loopback is blocked', async () => {
    restoreEnv = withEnv({ [BLOCK_PRIVATE_ENV]: '1', [ALLOW_HOSTS_ENV]: undefined });
    useResolver(scriptedResolver([v6(`::ffff:${SENTINEL}`)]));
    const before = listener.accepted();
    const result = await testConnection(tenant());
    expect(result).toMatchObject({ ok: false, code: 'InvalidInput', details: { field: '/endpoint' } });
    expect(result.message).toContain(`the IPv4-mapped form of ${SENTINEL}, a loopback address`);
    expect(listener.accepted() - before).toBe(0);
  });

  it('connects to the same name by default, and when the host allow-lists it (the control: the sentinel does count)', async () => {
    useResolver(scriptedResolver([v4(SENTINEL)]));
    let before = listener.accepted();
    expect(await testConnection(tenant())).toMatchObject({ ok: false });
    expect(listener.accepted() - before).toBeGreaterThan(0);

    restoreEnv = withEnv({ [BLOCK_PRIVATE_ENV]: 'true', [ALLOW_HOSTS_ENV]: `minio.internal, *.test` });
    before = listener.accepted();
    expect(await testConnection(tenant())).toMatchObject({ ok: false });
    expect(listener.accepted() - before).toBeGreaterThan(0);
  });

  it('checks every lookup, so a name that rebinds after an earlier check still cannot connect', async () => {
    restoreEnv = withEnv({ [BLOCK_PRIVATE_ENV]: '1', [ALLOW_HOSTS_ENV]: undefined });
    // The first answer (checked by presign, which never connects) is public; the next is loopback.
    const resolver = scriptedResolver([v4('93.184.215.14')], [v4(SENTINEL)]);
    useResolver(resolver);
    const connection = tenant();
    await expect(actions.presign!({ key: 'a.txt' }, { connection })).resolves.toMatchObject({ method: 'GET' });
    const before = listener.accepted();
    await expect(actions.get!({ key: 'a.txt', as: 'text' }, { connection })).rejects.toMatchObject({ code: 'InvalidInput', field: '/endpoint' });
    expect(resolver.calls).toBe(2);
    expect(listener.accepted() - before).toBe(0);
  });

  it('refuses, with every answer checked, a name mapped to a metadata address (hook called directly: nothing connects)', async () => {
    const lookup = (answers: LookupAddress[], all: boolean) => {
      useResolver(scriptedResolver(answers));
      return new Promise<{ error: unknown; result: unknown }>((resolve) =>
        guardedLookup(TENANT_HOST, all ? { all: true } : {}, (error, address) => resolve({ error, result: address })),
      );
    };
    for (const answers of [[v4('169.254.169.254')], [v6('fd00:ec2::254')], [v4('127.0.0.1'), v4('169.254.170.2')], [v6('64:ff9b::a9fe:a9fe')]]) {
      for (const all of [true, false]) {
        const { error } = await lookup(answers, all);
        expect(error).toMatchObject({ code: 'InvalidInput', field: '/endpoint' });
      }
    }
    expect(await lookup([v4('127.0.0.1'), v6('::1')], true)).toEqual({ error: null, result: [v4('127.0.0.1'), v6('::1')] });
    expect(await lookup([v4('127.0.0.1'), v6('::1')], false)).toEqual({ error: null, result: '127.0.0.1' });
  });

  it('refuses presign for a name that resolves to a metadata address, though presign sends no request', async () => {
    useResolver(scriptedResolver([v4('169.254.169.254')]));
    await expect(actions.presign!({ key: 'a.txt' }, { connection: tenant() })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/endpoint',
      message: expect.stringContaining(`The endpoint's host "${TENANT_HOST}" resolves to 169.254.169.254, a link-local address`) as unknown,
    });
  });
});

describe('every entry point refuses a metadata endpoint before any network call', () => {
  const endpoint = 'http://[::ffff:169.254.169.254]';
  const inputs: Record<string, unknown> = {
    head: { key: 'a' },
    get: { key: 'a', as: 'text' },
    put: { key: 'a', text: 'x' },
    list: {},
    delete: { key: 'a' },
    copy: { sourceKey: 'a', destinationKey: 'b' },
    presign: { key: 'a' },
    resize: { key: 'a.jpg', destinationKey: 'b.jpg', width: 10 },
    resizeMany: { prefix: 'a/', sizes: [{ width: 10 }], destination: 'thumbs/{name}.{ext}' },
    cleanupUploads: {},
    splitPrefix: { parts: 2 },
  };

  it('covers every action of the entry', () => {
    expect(Object.keys(inputs).sort()).toEqual(Object.keys(actions).sort());
  });

  it.each(Object.keys(inputs))('%s answers InvalidInput on /endpoint', async (id) => {
    const network = watchNetwork();
    try {
      const error = await actions[id]!(inputs[id], { connection: s3.connection({ endpoint }) }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'InvalidInput', field: '/endpoint', message: expect.stringContaining('169.254.169.254') as unknown });
      expect(network.sockets).toEqual([]);
    } finally {
      network.stop();
    }
  });

  it('Test connection reports it as a result', async () => {
    const result = await testConnection(s3.connection({ endpoint }));
    expect(result).toMatchObject({ ok: false, code: 'InvalidInput', details: { field: '/endpoint' } });
  });
});

describe('credentials in the endpoint URL', () => {
  it.each([
    'http://admin:hunter2secretpw@127.0.0.1:9000',
    'https://AKIAIOSFODNN7EXAMPLE:hunter2secretpw@s3.example.com',
    'http://admin:hunter2secretpw@bad host',
    'http://hunter2secretpw@127.0.0.1',
    'http://admin:hunter2/secret+pw@127.0.0.1:9000',
  ])('refuses %s without echoing it', async (endpoint) => {
    const result = await testConnection(s3.connection({ endpoint }));
    expect(result).toMatchObject({ ok: false, code: 'InvalidInput', details: { field: '/endpoint' } });
    expect(result.message).toBe(
      'Expected `connection.endpoint` without a user name or password before "@" (scheme://user:password@host): S3 credentials go in the access key ID and secret fields. Remove them from the endpoint URL.',
    );
    const thrown = await actions.head!({ key: 'a' }, { connection: s3.connection({ endpoint }) }).catch((e: unknown) => e);
    expect(JSON.stringify(thrown)).not.toContain('hunter2');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});
