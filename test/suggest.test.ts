/**
 * The suggest hook (host contract 1.2, section 6) against the real emulator: what a key picker shows
 * while the user types.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suggest, type SuggestResult } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { watchNetwork } from './helpers/network.js';
import { putKeys, rawClient } from './helpers/seed.js';

const s3 = useEmulator();

async function ask(request: Record<string, unknown>, connection: Record<string, unknown> = {}): Promise<SuggestResult> {
  return suggest(request, { connection: s3.connection(connection) });
}

async function refusal(request: Record<string, unknown>, connection: Record<string, unknown> = {}) {
  return ask(request, connection).then(
    () => {
      throw new Error('expected suggest to refuse');
    },
    (error: { code: string; field?: string; message: string }) => error,
  );
}

const values = (result: SuggestResult) => result.options.map((o) => o.value);

beforeAll(async () => {
  const client = rawClient(s3.endpoint);
  await putKeys(client, s3.bucket, [
    'README.txt',
    'docs/guide.md',
    'photos/sunset.jpg',
    'photos/alps.JPG',
    'photos/notes.txt',
    'photos/2024/beach.png',
    'photos/2025/snow.webp',
    'tenant-a/photos/cat.jpg',
    ...Array.from({ length: 150 }, (_, i) => `many/file-${String(i).padStart(3, '0')}.txt`),
    ...Array.from({ length: 130 }, (_, i) => `mixed/img-${String(i).padStart(3, '0')}.jpg`),
    ...Array.from({ length: 40 }, (_, i) => `mixed/note-${String(i).padStart(3, '0')}.txt`),
    ...Array.from({ length: 5 }, (_, i) => `mixed/sub-${i}/x.jpg`),
  ]);
  client.destroy();
});

describe('suggest', () => {
  it('offers the folders, then the objects, under the typed text', async () => {
    const top = await ask({ action: 'get', field: '/key' });
    expect(values(top)).toEqual(['docs/', 'many/', 'mixed/', 'photos/', 'tenant-a/', 'README.txt']);
    const photos = await ask({ action: 'get', field: '/key', query: 'photos/' });
    expect(values(photos)).toEqual(['photos/2024/', 'photos/2025/', 'photos/alps.JPG', 'photos/notes.txt', 'photos/sunset.jpg']);
    expect(photos.options[0]).toEqual({ value: 'photos/2024/', label: 'photos/2024/', description: 'Folder' });
    expect(photos.options.at(-1)?.description).toMatch(/^17 bytes, \d{4}-\d{2}-\d{2}$/);
    expect(photos.cursor).toBeUndefined();
    expect(values(await ask({ action: 'get', field: '/key', query: 'photos/s' }))).toEqual(['photos/sunset.jpg']);
    expect(values(await ask({ action: 'copy', field: '/sourceKey', query: 'pho' }))).toEqual(['photos/']);
  });

  it('offers folders for the trigger\'s prefix, as for an action\'s', async () => {
    expect(values(await ask({ action: 'objectChanged', field: '/prefix', query: 'photos/' }))).toEqual(['photos/2024/', 'photos/2025/']);
  });

  it('offers only images (and folders to open) where the field wants an image', async () => {
    const result = await ask({ action: 'resize', field: '/key', query: 'photos/' });
    expect(values(result)).toEqual(['photos/2024/', 'photos/2025/', 'photos/alps.JPG', 'photos/sunset.jpg']);
  });

  it('offers only folders for a prefix', async () => {
    expect(values(await ask({ action: 'list', field: '/prefix', query: 'photos/' }))).toEqual(['photos/2024/', 'photos/2025/']);
    expect(values(await ask({ action: 'resizeMany', field: '/prefix' }))).toEqual(['docs/', 'many/', 'mixed/', 'photos/', 'tenant-a/']);
  });

  it('answers one bounded page from one request, and the cursor gives the next', async () => {
    const network = watchNetwork();
    const first = await ask({ action: 'head', field: '/key', query: 'many/' });
    network.stop();
    expect(network.requests).toHaveLength(1);
    expect(first.options).toHaveLength(100);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await ask({ action: 'head', field: '/key', query: 'many/', cursor: first.cursor });
    expect(second.options).toHaveLength(50);
    expect(second.cursor).toBeUndefined();
    expect([...values(first), ...values(second)]).toEqual(Array.from({ length: 150 }, (_, i) => `many/file-${String(i).padStart(3, '0')}.txt`));
  });

  it('pages through filtered choices without losing or repeating one', async () => {
    const first = await ask({ action: 'resize', field: '/key', query: 'mixed/' });
    expect(first.options).toHaveLength(100);
    const second = await ask({ action: 'resize', field: '/key', query: 'mixed/', cursor: first.cursor });
    const all = [...values(first), ...values(second)];
    expect(second.cursor).toBeUndefined();
    expect(all.filter((v) => v.endsWith('/')).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `mixed/sub-${i}/`));
    expect(all.filter((v) => !v.endsWith('/'))).toEqual(Array.from({ length: 130 }, (_, i) => `mixed/img-${String(i).padStart(3, '0')}.jpg`));
  });

  it('takes whatever the user has filled in so far, however incomplete', async () => {
    for (const input of [undefined, null, 'half-typed', { width: 'abc', key: 42 }, []]) {
      expect(values(await ask({ action: 'resize', field: '/key', query: 'photos/su', input }))).toEqual(['photos/sunset.jpg']);
    }
  });

  it('gives keys relative to the connection\'s base path, and never looks outside it', async () => {
    const result = await ask({ action: 'get', field: '/key' }, { basePath: 'tenant-a/' });
    expect(values(result)).toEqual(['photos/']);
    expect(values(await ask({ action: 'get', field: '/key', query: 'photos/' }, { basePath: 'tenant-a' }))).toEqual(['photos/cat.jpg']);
  });

  it('refuses what it cannot answer with errors a host shows under the field', async () => {
    expect(await refusal({ action: 'teleport', field: '/key' })).toMatchObject({
      code: 'InvalidInput',
      field: '/action',
      message: expect.stringMatching(/^Expected the id of one of this connector's actions \(head, get, put, .*\) for `action` but received "teleport"\.$/),
    });
    expect(await refusal({ action: 'resize', field: '/width' })).toMatchObject({
      code: 'InvalidInput',
      field: '/field',
      message: '"resize" suggests nothing for `/width`, only for /key, /destinationKey: show it as a plain text field.',
    });
    expect(await refusal({ action: 'get', field: '/key', query: '../secrets/' }, { basePath: 'tenant-a/' })).toMatchObject({
      code: 'InvalidInput',
      field: '/key',
      message: 'Expected `key` to stay inside the base path "tenant-a/" but received "../secrets/": it contains a "." or ".." segment.',
    });
    const photos = await ask({ action: 'head', field: '/key', query: 'many/' });
    expect(await refusal({ action: 'head', field: '/key', query: 'mixed/', cursor: photos.cursor })).toMatchObject({ code: 'InvalidInput', field: '/cursor' });
    expect(await refusal({ field: '/key' })).toMatchObject({ code: 'InvalidInput', field: '/action' });
  });

  it('maps its errors like an action: a wrong secret is InvalidCredentials', async () => {
    expect(await refusal({ action: 'get', field: '/key' }, { secretAccessKey: 'not-the-secret' })).toMatchObject({ code: 'InvalidCredentials' });
  });
});

describe('the manifest\'s suggest maps', () => {
  type Entry = { id: string; input: string; suggest?: Record<string, string> };
  const manifest = JSON.parse(readFileSync('connector.json', 'utf8')) as { actions: Entry[]; triggers?: Entry[] };
  // Actions and triggers alike: a host asks the same hook for either, by id.
  const entries = [...manifest.actions, ...(manifest.triggers ?? [])];
  const inputOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { properties: Record<string, { type?: string }> };

  it('names only string fields of the action\'s or trigger\'s own input', () => {
    for (const action of entries) {
      const { properties } = inputOf(action.input);
      for (const pointer of Object.keys(action.suggest ?? {})) {
        expect(properties[pointer.slice(1)]?.type, `${action.id} ${pointer}`).toBe('string');
      }
    }
  });

  it('covers every key, prefix and source field (a destination template is no key to pick)', () => {
    const templates = new Set(['resizeMany /destinationKey']);
    for (const action of entries) {
      const { properties } = inputOf(action.input);
      const keyFields = Object.keys(properties).filter((name) => properties[name]!.type === 'string' && /^(key|prefix|startAfter|endBefore)$|Key$/.test(name));
      for (const name of keyFields) {
        if (templates.has(`${action.id} /${name}`)) continue;
        expect(action.suggest?.[`/${name}`], `${action.id} /${name}`).toBeDefined();
      }
    }
  });

  it('asks for images only where the field takes an image', () => {
    const images = entries.flatMap((a) => Object.entries(a.suggest ?? {}).filter(([, kind]) => kind === 'image').map(([field]) => `${a.id} ${field}`));
    expect(images).toEqual(['resize /key']);
  });
});
