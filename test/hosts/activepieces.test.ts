/**
 * The Activepieces piece, as far as Activepieces' published code allows (@activepieces/pieces-framework
 * 0.32.0, @activepieces/shared 0.95.1; the engine is not on npm): loaded with extractPieceFromModule as the
 * engine loads it, its metadata checked with the framework's own schema, every action's run called with a
 * context whose files service is backed by a file store, against the emulator on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApFile, PieceAuthProperty, PieceMetadata, PiecePropertyMap, TriggerStrategy, type Action, type DropdownState, type Piece, type Trigger } from '@activepieces/pieces-framework';
import { extractPieceFromModule } from '@activepieces/shared';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClientConfig } from '../../src/emulator.js';
import { useEmulator } from '../helpers/emulator.js';
import { memoryFiles, type TestFileStore } from '../helpers/files.js';
import { photo } from '../helpers/images.js';
import { installAdapter, ROOT } from './helpers/install.js';

const MiB = 1024 * 1024;
interface Entry {
  id: string;
  name: string;
  suggest?: Record<string, string>;
}
const manifest = createRequire(import.meta.url)(path.join(ROOT, 'connector.json')) as { actions: Entry[]; triggers: Entry[] };
const pkg = createRequire(import.meta.url)(path.join(ROOT, 'packages/piece-amazon-s3/package.json')) as { name: string; version: string };

const s3 = useEmulator();
let dir: string;
let piece: Piece;
let client: S3Client;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ap-piece-'));
  const installed = installAdapter(dir, 'piece-amazon-s3', { hostPackages: ['@activepieces/pieces-framework', '@activepieces/shared'] });
  // As the engine does: import the piece package, then find the Piece among its exports.
  const module = createRequire(path.join(dir, 'package.json'))(installed) as Record<string, unknown>;
  piece = extractPieceFromModule<Piece>({ module, pieceName: pkg.name, pieceVersion: pkg.version });
  client = new S3Client(emulatorClientConfig(s3.endpoint));
});
afterAll(() => {
  client?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A files service backed by a file store, as the engine's is by its own: `write` answers a URL. */
function filesService(store: TestFileStore, options: { streams?: boolean } = {}) {
  return {
    ...(options.streams ? { supportsStreams: true as const } : {}),
    async write({ fileName, data }: { fileName: string; data: Buffer | NodeJS.ReadableStream }) {
      const ref = await store.add(fileName, data instanceof Buffer ? data : (data as Readable));
      return `http://127.0.0.1/api/v1/step-files/${ref.id}`;
    },
  };
}

/** Runs an action as the engine does: `run(ctx)` with the auth, the props' values and the services. */
async function run(name: string, propsValue: Record<string, unknown>, options: { auth?: unknown; store?: TestFileStore; streams?: boolean } = {}) {
  const action = piece.getAction(name) as Action;
  const store = options.store ?? memoryFiles();
  const ctx = {
    auth: options.auth ?? { type: 'CUSTOM_AUTH', props: s3.connection() },
    propsValue,
    files: filesService(store, options),
    store: { put: async () => undefined, get: async () => null, delete: async () => undefined },
    server: { apiUrl: 'http://127.0.0.1/', publicUrl: 'http://127.0.0.1/', token: '' },
  };
  return (await action.run(ctx as never)) as Record<string, unknown>;
}

describe('the piece, as Activepieces loads it', () => {
  it('is found by extractPieceFromModule and passes the framework’s own metadata schema', () => {
    const metadata = piece.metadata();
    const json = JSON.parse(JSON.stringify({ ...metadata, name: pkg.name, version: pkg.version })) as typeof metadata & { name: string; version: string };
    // The piece, and each trigger, without props first.
    const triggers = Object.fromEntries(Object.entries(json.triggers).map(([name, trigger]) => [name, { ...trigger, props: {} }]));
    expect(PieceMetadata.safeParse({ ...json, auth: undefined, actions: {}, triggers }).error).toBeUndefined();
    // Then each prop on its own. The framework's zod schema is stricter than its own builders in two
    // places, so it rejects props built as Activepieces' own pieces build them: PieceAuth.SecretText
    // inside CustomAuth, and Property.Array without sub-properties (a list of strings). Nothing else.
    const auth = json.auth as { props: Record<string, { type: string }> };
    const rejected = [
      ...Object.entries(auth.props).filter(([name, prop]) => !PieceAuthProperty.safeParse({ ...auth, props: { [name]: prop } }).success),
      ...[...Object.values(json.actions), ...Object.values(json.triggers)].flatMap((action) =>
        Object.entries(action.props as Record<string, { type: string; properties?: unknown }>).filter(([name, prop]) => !PiecePropertyMap.safeParse({ [name]: prop }).success),
      ),
    ];
    for (const [name, prop] of rejected) {
      expect(prop.type === 'SECRET_TEXT' || (prop.type === 'ARRAY' && (prop as { properties?: unknown }).properties === undefined), `${name} (${prop.type})`).toBe(true);
    }
    expect(metadata.displayName).toBe('Amazon S3');
    expect(metadata.logoUrl).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  it('has one action per manifest action, with its name', () => {
    expect(Object.keys(piece.actions())).toEqual(manifest.actions.map((a) => a.id));
    expect(Object.values(piece.actions()).map((a) => a.displayName)).toEqual(manifest.actions.map((a) => a.name));
  });

  it('has one polling trigger per manifest trigger, with props from its input schema', () => {
    expect(Object.keys(piece.triggers())).toEqual(manifest.triggers.map((t) => t.id));
    const trigger = piece.getTrigger('objectChanged')!;
    expect(trigger).toMatchObject({ displayName: 'New or updated object', type: TriggerStrategy.POLLING, testStrategy: 'TEST_FUNCTION' });
    const props = trigger.props as Record<string, { type: string; required: boolean; defaultValue?: unknown }>;
    expect(props.mode).toMatchObject({ type: 'STATIC_DROPDOWN', defaultValue: 'scan' });
    expect(props.suffixes).toMatchObject({ type: 'ARRAY', required: false });
    expect(props.prefix).toMatchObject({ type: 'DROPDOWN', refreshOnSearch: true });
  });

  it('makes every field the manifest suggests for a dropdown that searches as the user types', () => {
    for (const entry of [...manifest.actions, ...manifest.triggers]) {
      const props = (piece.getAction(entry.id) ?? piece.getTrigger(entry.id))!.props as Record<string, { type: string; refreshOnSearch?: boolean; options?: unknown }>;
      for (const pointer of Object.keys(entry.suggest ?? {})) {
        expect(props[pointer.slice(1)], `${entry.id} ${pointer}`).toMatchObject({ type: 'DROPDOWN', refreshOnSearch: true, refreshers: [], options: expect.any(Function) });
      }
    }
  });

  it('asks for the connection with custom auth: secrets as secret text, choices as dropdowns', () => {
    const auth = piece.auth as unknown as { type: string; props: Record<string, { type: string; required: boolean; defaultValue?: unknown }> };
    expect(auth.type).toBe('CUSTOM_AUTH');
    expect(auth.props.secretAccessKey).toMatchObject({ type: 'SECRET_TEXT', required: true });
    expect(auth.props.sessionToken).toMatchObject({ type: 'SECRET_TEXT', required: false });
    expect(auth.props.checksums).toMatchObject({ type: 'STATIC_DROPDOWN', required: false });
    expect(auth.props.maxAttempts).toMatchObject({ type: 'NUMBER', defaultValue: 3 });
  });

  it('gives each action props from its input schema, required as the schema says', () => {
    const props = piece.getAction('resize')!.props as Record<string, { type: string; required: boolean; description?: string }>;
    expect(props.key).toMatchObject({ type: 'DROPDOWN', required: true });
    expect(props.size).toMatchObject({ type: 'SHORT_TEXT', required: false });
    expect(props.width).toMatchObject({ type: 'NUMBER', required: false });
    expect(props.width!.description).toMatch(/\(1 to 16383\)$/);
    expect(props.format).toMatchObject({ type: 'STATIC_DROPDOWN' });
    expect(props.withoutEnlargement).toMatchObject({ type: 'CHECKBOX', defaultValue: true });
    const put = piece.getAction('put')!.props as Record<string, { type: string; required: boolean }>;
    expect(put.file).toMatchObject({ type: 'FILE', required: false });
    expect(put.metadata).toMatchObject({ type: 'JSON' });
  });
});

describe('auth.validate (Test connection)', () => {
  it('accepts working credentials', async () => {
    const validate = (piece.auth as unknown as { validate: (p: { auth: unknown }) => Promise<unknown> }).validate;
    expect(await validate({ auth: s3.connection() })).toEqual({ valid: true });
  });

  it('refuses a wrong secret with our diagnosis', async () => {
    const validate = (piece.auth as unknown as { validate: (p: { auth: unknown }) => Promise<{ valid: boolean; error?: string }> }).validate;
    const result = await validate({ auth: s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' }) });
    expect(result.valid).toBe(false);
    expect(result.error).toMatch(/secret access key does not match/i);
    expect(result.error).not.toMatch(/wJalrXUtnFEMI/);
  });
});

describe('every action’s run', () => {
  it('put writes text, and a file property’s Buffer', async () => {
    expect(await run('put', { key: 'docs/a.txt', text: 'hello' })).toMatchObject({ key: 'docs/a.txt', size: 5 });
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    expect(await run('put', { key: 'docs/b.bin', file: new ApFile('b.bin', bytes, 'bin') })).toMatchObject({ key: 'docs/b.bin', size: 6 });
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'docs/b.bin' }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it('head and get read it back, get as file through the engine’s files service', async () => {
    expect(await run('head', { key: 'docs/a.txt' })).toMatchObject({ key: 'docs/a.txt', size: 5 });
    expect(await run('get', { key: 'docs/a.txt' })).toMatchObject({ text: 'hello' });
    const store = memoryFiles();
    const got = await run('get', { key: 'docs/b.bin', as: 'file' }, { store });
    expect(got.file).toMatchObject({ name: 'b.bin', size: 6, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1\/api\/v1\/step-files\//) });
    expect((await store.bytes(store.refs[0]!)).equals(Buffer.from([0, 1, 2, 250, 251, 255]))).toBe(true);
  });

  it('list, copy, presign and delete', async () => {
    expect(await run('list', { prefix: 'docs/' })).toMatchObject({ objects: [{ key: 'docs/a.txt' }, { key: 'docs/b.bin' }] });
    expect(await run('copy', { sourceKey: 'docs/a.txt', destinationKey: 'docs/c.txt', move: true })).toMatchObject({ key: 'docs/c.txt', moved: true });
    expect(await run('presign', { key: 'docs/c.txt', expiresIn: 60 })).toMatchObject({ url: expect.stringContaining('docs/c.txt') });
    expect(await run('delete', { keys: ['docs/b.bin', 'docs/c.txt'] })).toEqual({ deleted: ['docs/b.bin', 'docs/c.txt'], errors: [] });
  });

  it('resize writes to S3 or returns the image as a file; resizeMany does a prefix', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'img/cat.jpg', Body: await photo(900, 600), ContentType: 'image/jpeg' }));
    expect(await run('resize', { key: 'img/cat.jpg', destinationKey: 'img/small/cat.webp', size: '300x', format: 'webp' })).toMatchObject({ key: 'img/small/cat.webp', width: 300, height: 200 });
    const store = memoryFiles();
    const returned = await run('resize', { key: 'img/cat.jpg', width: 90, format: 'png' }, { store });
    expect(returned.file).toMatchObject({ url: expect.stringContaining('/step-files/') });
    expect(await sharp(await store.bytes(store.refs[0]!)).metadata()).toMatchObject({ format: 'png', width: 90, height: 60 });
    expect(await run('resizeMany', { prefix: 'img/', sizes: ['100x100'], destinationKey: 'thumbs/{name}-{size}.{ext}' })).toMatchObject({ processed: 2, failed: 0 });
  });

  it('reads the connection from ctx.auth in both shapes: { type, props } (0.32) and flat (older engines)', async () => {
    expect(await run('head', { key: 'img/cat.jpg' }, { auth: s3.connection() })).toMatchObject({ contentType: 'image/jpeg' });
  });

  it('throws our ConnectorError, whose message, code and retryable the run shows', async () => {
    const error = await run('get', { key: 'nope.txt' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'NotFound', retryable: false, message: expect.stringContaining('"nope.txt"') });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'NotFound', retryable: false });
  });
});

describe('files over the Buffer-only files API', () => {
  const twoMiB = Buffer.alloc(2 * MiB, 7);

  it('refuses a file over the limit with TooLarge naming it, before the engine holds it', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'big/two.bin', Body: twoMiB }));
    process.env.AP_MAX_FILE_SIZE_MB = '1';
    try {
      const error = await run('get', { key: 'big/two.bin', as: 'file' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TooLarge', message: expect.stringContaining('1 MiB') });
      expect((error as Error).message).toMatch(/AP_MAX_FILE_SIZE_MB/);
    } finally {
      delete process.env.AP_MAX_FILE_SIZE_MB;
    }
  });

  it('streams into a files service that takes streams, past the Buffer limit', async () => {
    process.env.AP_MAX_FILE_SIZE_MB = '1';
    try {
      const store = memoryFiles();
      const got = await run('get', { key: 'big/two.bin', as: 'file' }, { store, streams: true });
      expect(got.file).toMatchObject({ url: expect.stringContaining('/step-files/') });
      expect((await store.bytes(store.refs[0]!)).equals(twoMiB)).toBe(true);
    } finally {
      delete process.env.AP_MAX_FILE_SIZE_MB;
    }
  });
});

/** The piece's store, as the engine keeps it: JSON values by key. */
function memoryStore() {
  const values = new Map<string, string>();
  return {
    values,
    async put<T>(key: string, value: T) {
      values.set(key, JSON.stringify(value));
      return value;
    },
    async get<T>(key: string) {
      const value = values.get(key);
      return value === undefined ? null : (JSON.parse(value) as T);
    },
    async delete(key: string) {
      values.delete(key);
    },
  };
}

type Hook = (ctx: never) => Promise<unknown>;

/** A trigger hook's context as the engine builds it for a polling trigger. */
function triggerContext(store: ReturnType<typeof memoryStore>, propsValue: Record<string, unknown>, connection: object = s3.connection()) {
  return {
    auth: { type: 'CUSTOM_AUTH', props: connection },
    propsValue,
    store,
    files: filesService(memoryFiles()),
    server: { apiUrl: 'http://127.0.0.1/', publicUrl: 'http://127.0.0.1/', token: '' },
    setSchedule: () => {},
  };
}

describe('the polling trigger, as the engine calls its hooks', () => {
  const trigger = () => piece.getTrigger('objectChanged') as Trigger;
  const call = async (hook: 'onEnable' | 'onDisable' | 'run' | 'test', ctx: object) => (trigger()[hook] as unknown as Hook)(ctx as never);
  const keysOf = (events: unknown) => (events as { data: { key: string } }[]).map((e) => e.data.key);

  it('baselines on enable, fires a new object once, keeps its state in the store and forgets it on disable', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'inbox/old.txt', Body: 'old' }));
    const store = memoryStore();
    const ctx = triggerContext(store, { prefix: 'inbox/' });
    await call('onEnable', ctx);
    expect(JSON.parse(store.values.get('trigger')!)).toMatchObject({ trigger: 'objectChanged', state: { mode: 'scan' }, delivered: [] });
    expect(await call('run', ctx)).toEqual([]);

    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'inbox/new.txt', Body: 'new' }));
    const events = (await call('run', ctx)) as { id: string; type: string; occurredAt: string }[];
    expect(keysOf(events)).toEqual(['inbox/new.txt']);
    expect(events[0]).toMatchObject({ id: expect.any(String), type: 'object.changed', occurredAt: expect.any(String) });
    expect(await call('run', ctx)).toEqual([]);
    expect(JSON.parse(store.values.get('trigger')!).delivered).toEqual([events[0]!.id]);

    await call('onDisable', ctx);
    expect(store.values.has('trigger')).toBe(false);
  });

  it('test shows the newest objects as sample events and leaves the store alone', async () => {
    const store = memoryStore();
    const ctx = triggerContext(store, { prefix: 'inbox/' });
    await call('onEnable', ctx);
    const before = store.values.get('trigger');
    const samples = await call('test', ctx);
    expect(keysOf(samples).toSorted()).toEqual(['inbox/new.txt', 'inbox/old.txt']);
    expect(keysOf(samples).at(-1)).toBe('inbox/old.txt');
    expect(store.values.get('trigger')).toBe(before);
  });

  it('a failing poll throws our ConnectorError and leaves the stored state as it was', async () => {
    const store = memoryStore();
    await call('onEnable', triggerContext(store, { prefix: 'inbox/' }));
    const before = store.values.get('trigger');
    const error = await call('run', triggerContext(store, { prefix: 'inbox/' }, s3.connection({ bucket: 'no-such-bucket' }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'BucketNotFound', retryable: false, message: expect.stringContaining('no-such-bucket') });
    expect(store.values.get('trigger')).toBe(before);
  });
});

describe('the key picker (dropdown options)', () => {
  type Options = (values: Record<string, unknown>, ctx: object) => Promise<DropdownState<string>>;
  const options = (action: string, field: string) => (piece.getAction(action)!.props as Record<string, { options: Options }>)[field]!.options;
  const propertyContext = (searchValue?: string) => ({ server: { apiUrl: 'http://127.0.0.1/', publicUrl: 'http://127.0.0.1/', token: '' }, ...(searchValue === undefined ? {} : { searchValue }) });

  it('lists folders, then objects, under the text typed in the search box', async () => {
    await Promise.all(['picker/docs/a.txt', 'picker/cat.png', 'picker/notes.txt'].map((key) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'x' }))));
    const state = await options('get', 'key')({ auth: { type: 'CUSTOM_AUTH', props: s3.connection() } }, propertyContext('picker/'));
    expect(state.disabled).toBe(false);
    expect(state.options.map((o) => o.value)).toEqual(['picker/docs/', 'picker/cat.png', 'picker/notes.txt']);
    expect(state.options[0]!.label).toBe('picker/docs/ (Folder)');
    expect(state.options[2]!.label).toMatch(/^picker\/notes\.txt \(1 byte, \d{4}-\d{2}-\d{2}\)$/);
  });

  it('offers only images for resize’s source, and only folders for a prefix', async () => {
    const auth = { type: 'CUSTOM_AUTH', props: s3.connection() };
    expect((await options('resize', 'key')({ auth }, propertyContext('picker/'))).options.map((o) => o.value)).toEqual(['picker/docs/', 'picker/cat.png']);
    expect((await options('list', 'prefix')({ auth }, propertyContext('picker/'))).options.map((o) => o.value)).toEqual(['picker/docs/']);
  });

  it('asks for a connection first, and shows our diagnosis where the options would be', async () => {
    expect(await options('get', 'key')({}, propertyContext())).toEqual({ disabled: true, placeholder: 'Choose a connection first', options: [] });
    const wrong = await options('get', 'key')({ auth: s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' }) }, propertyContext());
    expect(wrong.options).toEqual([]);
    expect(wrong.placeholder).toMatch(/secret access key does not match/i);
    expect(wrong.placeholder).not.toMatch(/wJalrXUtnFEMI/);
  });
});
