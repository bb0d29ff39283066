/**
 * One S3 client per distinct connection: reused while the connection is the same, rebuilt when a
 * credential changes, and bounded so many tenants cannot exhaust the host's memory or sockets.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it, vi } from 'vitest';
import { CLIENT_CACHE_SIZE, cachedClientCount, clientCacheKey, clientSettings, leaseClient } from '../src/connection/client.js';
import { validateConnection } from '../src/connection/resolve.js';
import { actions } from '../src/index.js';
import type { Connection } from '../src/generated/connection.js';
import { useEmulator } from './helpers/emulator.js';

const s3 = useEmulator();

/** The settings a validated connection yields, as actions and testConnection derive them. */
function settingsOf(overrides: Record<string, unknown> = {}) {
  return clientSettings(validateConnection(s3.connection(overrides)) satisfies Connection);
}

/** Lease and release at once: which client would a call get? */
function clientFor(overrides: Record<string, unknown> = {}) {
  const lease = leaseClient(settingsOf(overrides));
  lease.release();
  return lease.client;
}

describe('the client cache', () => {
  it('gives the same connection one client, also when the connection object is a new copy', () => {
    expect(clientFor()).toBe(clientFor());
    expect(clientFor()).toBe(clientFor(JSON.parse(JSON.stringify(s3.connection())) as Record<string, unknown>));
  });

  it('builds a new client when the secret changes, and keeps using the old one for the old secret', () => {
    const original = clientFor();
    const rotated = clientFor({ secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' });
    expect(rotated).not.toBe(original);
    expect(clientFor()).toBe(original);
  });

  it.each([
    ['access key ID', { accessKeyId: 'AKIAI44QH8DHBEXAMPLE' }],
    ['session token', { sessionToken: 'FwoGZXIvYXdzEXAMPLE' }],
    ['region', { region: 'eu-west-1' }],
    ['endpoint', { endpoint: 'http://127.0.0.1:1' }],
    ['path style', { forcePathStyle: false }],
    ['checksum mode', { checksums: 'whenSupported' }],
    ['request timeout', { requestTimeoutMs: 1_000 }],
    ['attempts', { maxAttempts: 1 }],
  ])('builds a new client when the %s changes', (_what, overrides) => {
    expect(clientFor(overrides)).not.toBe(clientFor());
  });

  it('shares one client across connections that differ only in name or base path', () => {
    expect(clientFor({ name: 'Another label' })).toBe(clientFor());
    expect(clientFor({ basePath: 'tenants/acme/' })).toBe(clientFor());
  });

  it('keys the cache on a hash, never on the secret itself', () => {
    const settings = settingsOf();
    const key = clientCacheKey(settings);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(settings.secretAccessKey);
  });

  it('applies the S3-compatible settings to a custom endpoint: path style, checksums only when required', async () => {
    const settings = settingsOf();
    expect(settings).toMatchObject({ forcePathStyle: true, checksums: 'whenRequired', endpoint: s3.endpoint });
    const config = clientFor().config;
    expect(config.forcePathStyle).toBe(true);
    expect(await config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await config.responseChecksumValidation()).toBe('WHEN_REQUIRED');

    const { endpoint: _endpoint, ...aws } = s3.connection();
    const onAws = clientSettings(validateConnection(aws));
    expect(onAws).toMatchObject({ forcePathStyle: false, checksums: 'whenSupported', endpoint: undefined });
  });

  it('reuses the client (and its keep-alive sockets) across actions on the same connection', async () => {
    const shared = clientFor();
    const send = vi.spyOn(shared, 'send');
    try {
      await actions.head!({ key: 'missing.txt' }, { connection: s3.connection() }).catch(() => undefined);
      await actions.head!({ key: 'missing.txt' }, { connection: s3.connection({ name: 'Same bucket, other label' }) }).catch(() => undefined);
      expect(send).toHaveBeenCalledTimes(2);
    } finally {
      send.mockRestore();
    }
  });

  it(`holds at most ${CLIENT_CACHE_SIZE} clients, and destroys an evicted one only after its last lease`, async () => {
    const first = leaseClient(settingsOf({ name: 'tenant 0', accessKeyId: 'AKIATENANT0000000000' }));
    const destroy = vi.spyOn(first.client, 'destroy');
    // Many tenants: each a distinct access key, leased and released like a finished action.
    for (let i = 1; i <= CLIENT_CACHE_SIZE + 10; i++) {
      const lease = leaseClient(settingsOf({ accessKeyId: `AKIATENANT${String(i).padStart(10, '0')}` }));
      lease.release();
    }
    expect(cachedClientCount()).toBe(CLIENT_CACHE_SIZE);

    // The first tenant's client fell out of the cache while its run was still going: it keeps working.
    expect(destroy).not.toHaveBeenCalled();
    const page = await first.client
      .send(new ListObjectsV2Command({ Bucket: s3.bucket, MaxKeys: 1 }))
      .catch((error: { name?: string }) => error.name);
    expect(page).toBe('InvalidAccessKeyId'); // the emulator answered: the client was not destroyed
    first.release();
    expect(destroy).toHaveBeenCalledTimes(1);
    first.release(); // a second release is harmless
    expect(destroy).toHaveBeenCalledTimes(1);

    // The first tenant's next run gets a fresh client.
    expect(clientFor({ name: 'tenant 0', accessKeyId: 'AKIATENANT0000000000' })).not.toBe(first.client);
  });
});
