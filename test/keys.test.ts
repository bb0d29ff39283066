/**
 * basePath confinement: every key a user gives is relative to the base path and can never leave it.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, actions } from '../src/index.js';
import { keyScope, normaliseBasePath } from '../src/keys.js';
import { MAX_KEY_BYTES } from '../src/limits.js';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { useEmulator } from './helpers/emulator.js';
import { watchNetwork } from './helpers/network.js';

function rejection(run: () => unknown): ConnectorError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('Expected an InvalidInput error, but the call succeeded');
}

describe('the base path', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['images', 'images/'],
    ['images/', 'images/'],
    ['/images/', 'images/'],
    ['//tenants/acme//', 'tenants/acme/'],
  ])('normalises %j to %j', (given, expected) => {
    expect(normaliseBasePath(given)).toBe(expected);
  });

  it.each([
    ['tenants/../other', 'contains a "." or ".." segment'],
    ['./images', 'contains a "." or ".." segment'],
    ['images\\thumbs', 'contains a backslash'],
    ['images\u0000', 'contains a control character'],
    ['tenants//acme', 'contains an empty segment ("//")'],
  ])('refuses %j as a base path', (basePath, problem) => {
    const error = rejection(() => keyScope(basePath));
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/basePath' });
    expect(error.message).toBe(`Expected \`basePath\` to be a key prefix such as "images/" but received ${JSON.stringify(basePath)}: it ${problem}.`);
  });
});

describe('keys under a base path', () => {
  const scope = keyScope('tenants/acme');

  it('resolves a key under the base path and gives it back relative', () => {
    expect(scope.base).toBe('tenants/acme/');
    expect(scope.resolve('photos/dog.jpg')).toBe('tenants/acme/photos/dog.jpg');
    expect(scope.relative('tenants/acme/photos/dog.jpg')).toBe('photos/dog.jpg');
    expect(scope.resolvePrefix(undefined)).toBe('tenants/acme/');
    expect(scope.resolvePrefix('')).toBe('tenants/acme/');
    expect(scope.resolvePrefix('pho')).toBe('tenants/acme/pho');
  });

  it('keeps keys S3 allows that only look odd: dots inside names, "...", spaces, unicode, a trailing slash', () => {
    for (const key of ['a..b/c.d', '.../x', 'my photo (1).jpg', 'фото/猫.png', 'folder/', 'a//b', '%2e%2e/x']) {
      expect(scope.resolve(key)).toBe(`tenants/acme/${key}`);
    }
  });

  it.each([
    ['../other/secret.txt', 'contains a "." or ".." segment'],
    ['photos/../../other/x', 'contains a "." or ".." segment'],
    ['photos/..', 'contains a "." or ".." segment'],
    ['./photos/dog.jpg', 'contains a "." or ".." segment'],
    ['photos\\..\\..\\x', 'contains a backslash'],
    ['photos/dog\u0000.jpg', 'contains a control character'],
    ['photos/dog\n.jpg', 'contains a control character'],
    ['photos/dog\u007f.jpg', 'contains a control character'],
  ])('refuses %j, which would leave the base path', (key, problem) => {
    const error = rejection(() => scope.resolve(key));
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/key', retryable: false });
    expect(error.message).toBe(`Expected \`key\` to stay inside the base path "tenants/acme/" but received ${JSON.stringify(key)}: it ${problem}.`);
  });

  it('refuses an absolute key and shows the relative one to use', () => {
    expect(rejection(() => scope.resolve('/tenants/acme/photos/dog.jpg')).message).toBe(
      'Expected `key` to be relative, like "tenants/acme/photos/dog.jpg", but received "/tenants/acme/photos/dog.jpg": drop the leading "/".',
    );
    expect(rejection(() => scope.resolve('/')).message).toBe('Expected `key` to be relative but received "/": drop the leading "/".');
  });

  it('refuses an empty key', () => {
    expect(rejection(() => scope.resolve('')).message).toBe('Expected `key` to be a non-empty key such as "photos/dog.jpg" but received "".');
  });

  it('names the field it was given, as a JSON Pointer', () => {
    const error = rejection(() => scope.resolve('../x', '/destinationKey'));
    expect(error.field).toBe('/destinationKey');
    expect(error.message).toMatch(/^Expected `destinationKey` to stay inside/);
    expect(rejection(() => scope.resolvePrefix('../', '/prefix')).field).toBe('/prefix');
    expect(rejection(() => scope.resolvePrefix('/abs')).message).toMatch(/^Expected `prefix` to be relative/);
  });

  it('counts the base path against S3\'s 1,024-byte key limit, in UTF-8 bytes', () => {
    const room = MAX_KEY_BYTES - 'tenants/acme/'.length;
    expect(scope.resolve('k'.repeat(room))).toHaveLength(MAX_KEY_BYTES);
    expect(rejection(() => scope.resolve('k'.repeat(room + 1))).message).toBe(
      `Expected \`key\` to be at most ${room} bytes (with the base path, S3 allows 1024) but received ${room + 1} bytes.`,
    );
    // 506 two-byte characters: fewer than 1,024 characters, more than the room in bytes.
    expect(rejection(() => scope.resolve('é'.repeat(506))).message).toMatch(/but received 1012 bytes\.$/);
    expect(rejection(() => keyScope('').resolve('k'.repeat(MAX_KEY_BYTES + 1))).message).toBe(
      `Expected \`key\` to be at most ${MAX_KEY_BYTES} bytes but received ${MAX_KEY_BYTES + 1} bytes.`,
    );
  });
});

describe('keys without a base path', () => {
  const scope = keyScope(undefined);

  it('passes keys through and still refuses escapes', () => {
    expect(scope.base).toBe('');
    expect(scope.resolve('photos/dog.jpg')).toBe('photos/dog.jpg');
    expect(scope.relative('photos/dog.jpg')).toBe('photos/dog.jpg');
    expect(rejection(() => scope.resolve('../x')).message).toBe('Expected `key` to stay inside the bucket but received "../x": it contains a "." or ".." segment.');
  });
});

describe('the head action with a base path', () => {
  const s3 = useEmulator();
  let network: ReturnType<typeof watchNetwork> | undefined;
  afterEach(() => {
    network?.stop();
    network = undefined;
  });

  beforeAll(async () => {
    // One object outside the base path, which no key may reach.
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'other/secret.txt', Body: 'not yours' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tenants/acme/photos/dog.jpg', Body: 'woof', ContentType: 'image/jpeg' }));
    client.destroy();
  });

  it.each([
    ['../../other/secret.txt', 'it contains a "." or ".." segment'],
    ['photos/../../../other/secret.txt', 'it contains a "." or ".." segment'],
    ['..\\..\\other\\secret.txt', 'it contains a backslash'],
    ['photos/\u0000', 'it contains a control character'],
  ])('refuses %j before any network call', async (key, problem) => {
    network = watchNetwork();
    const error = await actions.head!({ key }, { connection: s3.connection({ basePath: 'tenants/acme' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'InvalidInput',
      field: '/key',
      message: `Expected \`key\` to stay inside the base path "tenants/acme/" but received ${JSON.stringify(key)}: ${problem}.`,
    });
    expect(network.requests).toEqual([]);
  });

  it('refuses an absolute key and one over the length limit before any network call', async () => {
    network = watchNetwork();
    const connection = s3.connection({ basePath: 'tenants/acme' });
    await expect(actions.head!({ key: '/other/secret.txt' }, { connection })).rejects.toMatchObject({ code: 'InvalidInput', field: '/key' });
    await expect(actions.head!({ key: 'k'.repeat(MAX_KEY_BYTES) }, { connection })).rejects.toMatchObject({ code: 'InvalidInput', field: '/key' });
    expect(network.requests).toEqual([]);
  });

  it('reads a key under the base path and answers with the key as the user gave it', async () => {
    network = watchNetwork();
    const info = await actions.head!({ key: 'photos/dog.jpg' }, { connection: s3.connection({ basePath: 'tenants/acme' }) });
    expect(info).toMatchObject({ key: 'photos/dog.jpg', size: 4, contentType: 'image/jpeg' });
    expect(network.requests).toEqual([`HEAD 127.0.0.1/${s3.bucket}/tenants/acme/photos/dog.jpg`]);
  });

  it('does not find the object outside the base path by its plain name either', async () => {
    await expect(actions.head!({ key: 'other/secret.txt' }, { connection: s3.connection({ basePath: 'tenants/acme' }) })).rejects.toMatchObject({
      code: 'NotFound',
      message: 'No object "other/secret.txt" in bucket "test-bucket". Check the key and the connection\'s base path (and, if Test connection fails too, the bucket name).',
    });
  });
});
