import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, type LoadedConnector } from '../../../src/host/core/connector.js';
import { ConnectionStore, newConnectionId } from '../../../src/host/core/store.js';
import { PACKAGE_DIR, useTempDirs } from './fixture.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEBYaDHqa0AP1/session+token==';
const values = {
  name: 'Product images',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: SECRET,
  bucket: 'product-images',
  region: 'eu-west-1',
};

let connector: LoadedConnector;
const tempDir = useTempDirs();

beforeAll(async () => {
  connector = await loadConnector(PACKAGE_DIR);
});

describe('saved connections', () => {
  it('lists a saved connection by its label, without its secret, and finds it again by name or id', async () => {
    const store = await ConnectionStore.open(tempDir());
    const saved = await store.create(connector, values);

    expect(saved).toMatchObject({ name: 'Product images', label: 'Product images (product-images, eu-west-1)', secretsSet: ['secretAccessKey'] });
    expect(saved.values).not.toHaveProperty('secretAccessKey');
    expect(JSON.stringify(store.list())).not.toContain(SECRET);
    expect(store.get(saved.id)).toEqual(saved);
    expect(store.get('Product images')).toEqual(saved);
    expect(store.get('nope')).toBeUndefined();
    expect(await store.reveal('Product images')).toEqual(values);
  });

  it('is reused by a later process: a second store on the same folder sees the connection and can decrypt it', async () => {
    const dir = tempDir();
    const saved = await (await ConnectionStore.open(dir)).create(connector, values);
    const later = await ConnectionStore.open(dir);
    expect(later.list()).toEqual([saved]);
    expect(await later.reveal(saved.id)).toEqual(values);
  });

  it('keeps a saved secret when an edit leaves it empty, and replaces it when a new one is typed', async () => {
    const store = await ConnectionStore.open(tempDir());
    const saved = await store.create(connector, { ...values, sessionToken: TOKEN });
    const { secretAccessKey: _s, sessionToken: _t, ...visible } = values as Record<string, unknown>;

    const renamed = await store.update(connector, saved.id, { ...visible, name: 'Renamed', secretAccessKey: '' });
    expect(renamed).toMatchObject({ id: saved.id, name: 'Renamed', label: 'Renamed (product-images, eu-west-1)', createdAt: saved.createdAt });
    expect(renamed.secretsSet.sort()).toEqual(['secretAccessKey', 'sessionToken']);
    expect(await store.reveal(saved.id)).toEqual({ ...values, name: 'Renamed', sessionToken: TOKEN });

    await store.update(connector, 'Renamed', { ...visible, name: 'Renamed', secretAccessKey: 'a-brand-new-secret' });
    expect((await store.reveal(saved.id)).secretAccessKey).toBe('a-brand-new-secret');
  });

  it('refuses invalid values with the field to fix, and saves nothing', async () => {
    const store = await ConnectionStore.open(tempDir());
    await expect(store.create(connector, { ...values, bucket: 'My_Bucket' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/bucket',
      message: expect.stringContaining('Expected a bucket name of 3 to 63 lowercase letters'),
    });
    expect(store.list()).toEqual([]);
  });

  it('refuses a second connection with the same name, since runs refer to it by name', async () => {
    const store = await ConnectionStore.open(tempDir());
    await store.create(connector, values);
    await expect(store.create(connector, values)).rejects.toThrow('A connection named "Product images" is already saved');
  });

  it('gives ids a command line can take: never one starting with "-", which would read as an option', () => {
    // 0xf8 starts a base64url string with "-" (62); the next draw starts with "A".
    const draws = [Buffer.from([0xf8, 1, 2, 3, 4, 5]), Buffer.from([0, 1, 2, 3, 4, 5]), Buffer.from([0, 9, 9, 9, 9, 9])];
    const random = () => draws.shift()!;
    expect(newConnectionId((id) => id === 'AAECAwQF', random)).toBe('AAkJCQkJ');
    expect(draws).toEqual([]);
  });

  it('deletes by id or name', async () => {
    const store = await ConnectionStore.open(tempDir());
    const saved = await store.create(connector, values);
    expect(await store.delete(saved.id)).toBe(true);
    expect(await store.delete(saved.id)).toBe(false);
    expect(store.list()).toEqual([]);
  });

  it('loses no write when two processes save at the same time (the file is locked)', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([ConnectionStore.open(dir), ConnectionStore.open(dir)]);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a! : b!).create(connector, { ...values, name: `Connection ${i}` })),
    );
    expect(a!.list().map((c) => c.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `Connection ${i}`));
  });
});

describe('secrets at rest', () => {
  it('never writes a secret in clear: the store file holds only ciphertext, and it and the key file are private (0600)', async () => {
    const dir = tempDir();
    const store = await ConnectionStore.open(dir);
    await store.create(connector, { ...values, sessionToken: TOKEN });
    const bytes = readFileSync(store.file);
    for (const secret of [SECRET, TOKEN]) {
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes(Buffer.from(secret).toString('base64'))).toBe(false);
    }
    expect(bytes.includes('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('takes the key from S3_CONNECTOR_SECRET_KEY and then writes no key file', async () => {
    const dir = tempDir();
    const env = { S3_CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64') };
    await (await ConnectionStore.open(dir, { env })).create(connector, values);
    expect(() => statSync(path.join(dir, 'secret.key'))).toThrow();
    expect((await (await ConnectionStore.open(dir, { env })).reveal(values.name)).secretAccessKey).toBe(SECRET);
  });

  it('explains a key of the wrong length in S3_CONNECTOR_SECRET_KEY', async () => {
    await expect(ConnectionStore.open(tempDir(), { env: { S3_CONNECTOR_SECRET_KEY: 'c2hvcnQ=' } })).rejects.toThrow(
      'S3_CONNECTOR_SECRET_KEY must be 32 random bytes in base64 (44 characters, e.g. from `openssl rand -base64 32`), but it decodes to 5 bytes.',
    );
  });

  it('refuses to open with another key than the secrets were sealed with, and says which key to restore', async () => {
    const dir = tempDir();
    await (await ConnectionStore.open(dir, { key: randomBytes(32) })).create(connector, values);
    const opening = ConnectionStore.open(dir, { key: randomBytes(32) });
    await expect(opening).rejects.toMatchObject({ name: 'HostError', code: 'Setup' });
    await expect(opening).rejects.toThrow(/cannot be decrypted with the key from the key given to the store: they were sealed with another key\. Use the key they were saved with \(S3_CONNECTOR_SECRET_KEY or .*secret\.key\)/);
  });
});
