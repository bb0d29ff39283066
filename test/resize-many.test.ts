import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../src/contract.js';
import type { ResizeManyOutput } from '../src/generated/actions/resizeMany.output.js';
import { parseTemplate } from '../src/image/template.js';
import { actions } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { caller, exists, flat, getObject, photo, putObject } from './helpers/images.js';
import { eachLimit, rawClient } from './helpers/seed.js';

const s3 = useEmulator();
let client: ReturnType<typeof rawClient>;

const { run, failure } = caller<ResizeManyOutput>(s3, actions.resizeMany!);

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** `count` small JPEGs under `prefix`: img-000.jpg ... */
async function seed(prefix: string, count: number): Promise<string[]> {
  const image = await photo(64, 48);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}img-${String(i).padStart(3, '0')}.jpg`);
  await eachLimit(keys, 16, (key) => putObject(client, s3.bucket, key, image));
  return keys;
}

beforeAll(() => {
  client = rawClient(s3.endpoint);
});

describe('a bulk run', () => {
  const sizes = ['32x32', '40x'];
  // Outputs go under the listed prefix on purpose: a rerun must not take them as sources.
  const destinationKey = 'bulk/thumbs/{name}-{size}.{ext}';

  it('resizes 52 images to two sizes, then a rerun skips them all', async () => {
    await seed('bulk/', 52);
    await putObject(client, s3.bucket, 'bulk/notes.txt', 'not an image', 'text/plain');
    const events: Progress[] = [];
    const first = await run({ prefix: 'bulk/', sizes, destinationKey, fit: 'cover' }, { progress: (p: Progress) => events.push(p) });
    const thumbs = await keysUnder('bulk/thumbs/');
    expect(thumbs).toHaveLength(104);
    // The keys written come back for a later step, in key order.
    expect(first).toEqual({ processed: 52, skipped: 0, failed: 0, written: 104, writtenKeys: thumbs, writtenKeysOmitted: 0, ignored: 1, failures: [], isTruncated: false });
    expect(first.writtenKeys.slice(0, 2)).toEqual(['bulk/thumbs/img-000-32x32.jpg', 'bulk/thumbs/img-000-40x.jpg']);
    expect(events).toHaveLength(52);
    // Progress counts the outputs as well as the sources.
    expect(events.at(-1)).toEqual({ done: 52, total: 52, message: '52 resized (104 outputs written), 0 up to date, 0 failed' });

    const small = await getObject(client, s3.bucket, 'bulk/thumbs/img-007-32x32.jpg');
    expect([small.meta.width, small.meta.height]).toEqual([32, 32]);
    const wide = await getObject(client, s3.bucket, 'bulk/thumbs/img-007-40x.jpg');
    expect([wide.meta.width, wide.meta.height]).toEqual([40, 30]);

    const rerun = await run({ prefix: 'bulk/', sizes, destinationKey, fit: 'cover' });
    // The 104 outputs and the text file were listed and left alone.
    expect(rerun).toEqual({ processed: 0, skipped: 52, failed: 0, written: 0, writtenKeys: [], writtenKeysOmitted: 0, ignored: 105, failures: [], isTruncated: false });
    expect(await keysUnder('bulk/thumbs/')).toHaveLength(104);
  });

  it('lists the first 1,000 keys written and counts the rest', async () => {
    await seed('many/', 51);
    const twenty = Array.from({ length: 20 }, (_, i) => `${i + 8}x`);
    const out = await run({ prefix: 'many/', sizes: twenty, destinationKey: 'many-out/{name}-{size}.{ext}', concurrency: 4 });
    expect(out).toMatchObject({ processed: 51, written: 1020, writtenKeysOmitted: 20 });
    expect(out.writtenKeys).toHaveLength(1000);
    expect(out.writtenKeys).toEqual([...out.writtenKeys].sort());
    expect(new Set(out.writtenKeys).size).toBe(1000);
    const stored = new Set(await keysUnder('many-out/'));
    expect(stored.size).toBe(1020);
    for (const key of out.writtenKeys) expect(stored.has(key), key).toBe(true);
  });

  it('redoes only what a changed source or changed options made stale', async () => {
    await putObject(client, s3.bucket, 'bulk/img-003.jpg', await photo(80, 40));
    const changedSource = await run({ prefix: 'bulk/', sizes, destinationKey, fit: 'cover' });
    expect(changedSource).toMatchObject({ processed: 1, skipped: 51, written: 2 });
    expect((await getObject(client, s3.bucket, 'bulk/thumbs/img-003-40x.jpg')).meta.height).toBe(20);

    const changedOptions = await run({ prefix: 'bulk/', sizes: ['32x32'], destinationKey, fit: 'cover', quality: 50 });
    expect(changedOptions).toMatchObject({ processed: 52, skipped: 0, written: 52 });
  });
});

describe('failures', () => {
  it('reports a corrupt image and goes on with the others', async () => {
    await seed('mixed/', 6);
    const whole = await photo(200, 150);
    await putObject(client, s3.bucket, 'mixed/img-002.jpg', whole.subarray(0, Math.floor(whole.length / 3)));
    await putObject(client, s3.bucket, 'mixed/img-004.jpg', 'plain text with a .jpg name', 'image/jpeg');
    const out = await run({ prefix: 'mixed/', sizes: ['32x'], destinationKey: 'mixed-out/{name}.{ext}' });
    expect(out).toMatchObject({ processed: 4, skipped: 0, failed: 2, written: 4, isTruncated: false });
    expect(out.failures).toEqual([
      { key: 'mixed/img-002.jpg', code: 'UnsupportedImage', message: '"mixed/img-002.jpg" is a truncated or corrupt JPEG file (the file ends before the image does). Upload it again from the original.' },
      { key: 'mixed/img-004.jpg', code: 'UnsupportedImage', message: expect.stringMatching(/^"mixed\/img-004\.jpg" is not an image: it holds text \(stored as image\/jpeg\)/) as string },
    ]);
    expect(await keysUnder('mixed-out/')).toEqual(['mixed-out/img-000.jpg', 'mixed-out/img-001.jpg', 'mixed-out/img-003.jpg', 'mixed-out/img-005.jpg']);
  });

  it('never replaces an object it did not write and that is older than its source, unless forced', async () => {
    const foreign = await flat(10, 10, 'jpeg');
    const input = { prefix: 'guard/', sizes: ['20x'], destinationKey: 'guard-out/{name}.{ext}', format: 'jpeg' };
    await putObject(client, s3.bucket, 'guard/dog.png', await flat(40, 40, 'png'), 'image/png');
    await putObject(client, s3.bucket, 'guard-out/cat.jpg', foreign);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Last-Modified has whole seconds
    await putObject(client, s3.bucket, 'guard/cat.png', await flat(40, 40, 'png'), 'image/png');
    await putObject(client, s3.bucket, 'guard-out/dog.jpg', foreign);

    // dog's destination is newer than dog: up to date. cat's is older than cat: not ours to replace.
    const out = await run(input);
    expect(out).toMatchObject({ processed: 0, skipped: 1, failed: 1, written: 0 });
    expect(out.failures).toEqual([
      {
        key: 'guard/cat.png',
        code: 'Conflict',
        message: '"guard-out/cat.jpg" already exists, older than "guard/cat.png", and this action did not write it: set `force` to replace it, or change `destinationKey`.',
      },
    ]);
    expect((await getObject(client, s3.bucket, 'guard-out/cat.jpg')).meta.width).toBe(10);

    const forced = await run({ ...input, force: true });
    expect(forced).toMatchObject({ processed: 2, failed: 0, written: 2 });
    expect((await getObject(client, s3.bucket, 'guard-out/cat.jpg')).meta.width).toBe(20);
  });
});

describe('limit and continuation', () => {
  it('stops at the limit and resumes from the token until every image is done', async () => {
    const keys = await seed('paged/', 7);
    const seen: number[] = [];
    let token: string | undefined;
    let runs = 0;
    do {
      const out = await run({ prefix: 'paged/', sizes: ['16x'], destinationKey: 'paged-out/{name}.{ext}', limit: 3, ...(token ? { continuationToken: token } : {}) });
      seen.push(out.processed);
      token = out.nextContinuationToken;
      expect(out.isTruncated).toBe(token !== undefined);
      runs++;
    } while (token && runs < 5);
    expect(seen).toEqual([3, 3, 1]);
    expect((await keysUnder('paged-out/')).map((k) => k.replace('paged-out/', 'paged/'))).toEqual(keys);
  });

  it('refuses a token from another prefix', async () => {
    const out = await run({ prefix: 'paged/', sizes: ['16x'], destinationKey: 'paged-out/{name}.{ext}', limit: 1 });
    const error = await failure({ prefix: 'bulk/', sizes: ['16x'], destinationKey: 'x/{name}.{ext}', continuationToken: out.nextContinuationToken });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/continuationToken' });
    expect(error.message).toBe('Expected a `continuationToken` from a run with prefix "bulk/" but received one from prefix "paged/": use the same prefix, or leave the token empty.');
  });
});

describe('cancellation', () => {
  it('stops promptly when the host cancels, leaving only whole images', async () => {
    await seed('cancel/', 40);
    const controller = new AbortController();
    const progress = (p: Progress) => {
      if (p.done === 3) controller.abort();
    };
    const started = performance.now();
    const error = await failure({ prefix: 'cancel/', sizes: ['32x'], destinationKey: 'cancel-out/{name}.{ext}', concurrency: 2 }, { signal: controller.signal, progress });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: 'Aborted', retryable: false });
    expect(error.message).toMatch(/^The run was cancelled after (1 image|\d+ images) \(\d+ resized, 0 up to date, 0 failed\)\. Every output written is complete; a rerun skips them\.$/);
    const written = await keysUnder('cancel-out/');
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect(written.length).toBeLessThan(40);
    for (const key of written) expect((await getObject(client, s3.bucket, key)).meta.width).toBe(32);

    const rest = await run({ prefix: 'cancel/', sizes: ['32x'], destinationKey: 'cancel-out/{name}.{ext}' });
    expect(rest.processed + rest.skipped).toBe(40);
    expect(rest.skipped).toBe(written.length);
  });

  it('listens to the host\'s signal once per run, however many requests are in flight (no MaxListenersExceededWarning)', async () => {
    await seed('listeners/', 24);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const controller = new AbortController();
    const { signal } = controller;
    // Counts the listeners the run keeps on the host's signal at once.
    let listening = 0;
    let most = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      most = Math.max(most, ++listening);
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listening--;
      remove(...args);
    }) as typeof remove;
    try {
      const out = await run({ prefix: 'listeners/', sizes: ['16x', '24x'], destinationKey: 'listeners-out/{name}-{size}.{ext}', concurrency: 8 }, { signal });
      expect(out).toMatchObject({ processed: 24, written: 48 });
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
    expect(most).toBe(1);
    expect(listening).toBe(0);
  });
});

describe('input', () => {
  it.each([
    [{ sizes: ['200x200', 'big'] }, '/sizes/1', 'Expected a size "WIDTHxHEIGHT" such as "200x200", "800x" or "x300" for `sizes[1]` but received "big".'],
    [{ sizes: ['0x10'] }, '/sizes/0', 'Expected integer between 1 and 16383 for the width in `sizes[0]` but received 0 (in "0x10").'],
    [{ destinationKey: 'thumbs/{size}.jpg' }, '/destinationKey', 'Expected `destinationKey` to name each source with {name}, {path} or {key} but received "thumbs/{size}.jpg", which writes every image to the same key.'],
    [{ sizes: ['200x200', '200x300'], destinationKey: 'thumbs/{name}-{width}.jpg' }, '/destinationKey', 'Expected `destinationKey` to tell sizes apart with {size}, {width} or {height} but received "thumbs/{name}-{width}.jpg", which writes sizes "200x200" and "200x300" to the same key ("thumbs/dog-200.jpg").'],
  ])('refuses %j before any request', async (change, field, message) => {
    // A connection to nowhere: only a check before any request can answer.
    const error = await failure({ sizes: ['200x200'], destinationKey: 'thumbs/{name}-{size}.{ext}', ...change }, { connection: s3.connection({ endpoint: 'http://127.0.0.1:9' }) });
    expect(error).toMatchObject({ code: 'InvalidInput', field, message });
  });
});

describe('templates', () => {
  it('mirrors a folder tree with {path} and writes each format extension', async () => {
    await putObject(client, s3.bucket, 'tree/a/b/pic.PNG', await flat(60, 30, 'png'), 'image/png');
    await putObject(client, s3.bucket, 'tree/top.jpeg', await photo(60, 30));
    const out = await run({ prefix: 'tree/', sizes: ['30x'], destinationKey: 'mirror/{path}@{dpr}x.{ext}', dpr: 2, format: 'webp' });
    expect(out).toMatchObject({ processed: 2, failed: 0 });
    expect((await keysUnder('mirror/')).sort()).toEqual(['mirror/a/b/pic@2x.webp', 'mirror/top@2x.webp']);
    const stored = await getObject(client, s3.bucket, 'mirror/a/b/pic@2x.webp');
    expect([stored.meta.format, stored.meta.width, stored.contentType]).toEqual(['webp', 60, 'image/webp']);
  });

  it('writes next to each source with {dir}, and leaves those outputs alone on a rerun', async () => {
    await putObject(client, s3.bucket, 'side/x/one.jpg', await photo(40, 40));
    await putObject(client, s3.bucket, 'side/two.jpg', await photo(40, 40));
    const input = { prefix: 'side/', sizes: ['20x20'], destinationKey: '{dir}/{name}_{size}.{ext}' };
    expect(await run(input)).toMatchObject({ processed: 2, written: 2, ignored: 0 });
    expect((await keysUnder('side/')).sort()).toEqual(['side/two.jpg', 'side/two_20x20.jpg', 'side/x/one.jpg', 'side/x/one_20x20.jpg']);
    expect(await run(input)).toMatchObject({ processed: 0, skipped: 2, ignored: 2 });
    expect(await exists(client, s3.bucket, 'side/two_20x20_20x20.jpg')).toBe(false);
    const { width } = await sharp((await getObject(client, s3.bucket, 'side/two_20x20.jpg')).body).metadata();
    expect(width).toBe(20);
  });
});

describe('base path', () => {
  it('lists, reads and writes inside the connection\'s base path only', async () => {
    await putObject(client, s3.bucket, 'tenant-a/photos/cat.jpg', await photo(60, 40));
    await putObject(client, s3.bucket, 'tenant-b/photos/dog.jpg', await photo(60, 40));
    const out = await run({ prefix: 'photos/', sizes: ['30x'], destinationKey: 'thumbs/{path}.{ext}' }, { connection: s3.connection({ basePath: 'tenant-a' }) });
    expect(out).toMatchObject({ processed: 1, failed: 0, ignored: 0 });
    expect(await keysUnder('tenant-a/thumbs/')).toEqual(['tenant-a/thumbs/cat.jpg']);
    expect(await keysUnder('thumbs/')).toEqual([]);
  });
});

describe('outputs are told from sources by the template', () => {
  it.each([
    ['{dir}/{name}_{size}.{ext}', ['side/two_20x20.jpg', 'two_20x20.jpg', 'a/b/c_x300.webp'], ['side/two.jpg', 'two_20x20.tiff', 'side/two_big.jpg']],
    ['thumbs/{path}-{width}w@{dpr}x.{ext}', ['thumbs/a/b-200w@2x.jpg', 'thumbs/b-w@1.5x.png'], ['thumbs/b.jpg', 'photos/b-200w@2x.jpg']],
    ['/t/{{raw}}/{name}.{ext}', ['t/{raw}/dog.avif'], ['t/raw/dog.avif']],
  ])('%s', (template, outputs, sources) => {
    const pattern = parseTemplate(template).pattern(['jpeg', 'png', 'webp', 'avif', 'gif']);
    for (const key of outputs) expect(pattern.test(key), key).toBe(true);
    for (const key of sources) expect(pattern.test(key), key).toBe(false);
  });

  it('only counts the extension of the format written', () => {
    const pattern = parseTemplate('{dir}/{name}.{ext}').pattern(['webp']);
    expect([pattern.test('photos/dog.webp'), pattern.test('photos/dog.jpg')]).toEqual([true, false]);
  });
});

describe('schemas', () => {
  it('describes the options resize and resizeMany share in the same words', async () => {
    const load = async (name: string) => JSON.parse(await readFile(new URL(`../schemas/actions/${name}.input.json`, import.meta.url), 'utf8')) as { properties: Record<string, Record<string, unknown>> };
    const single = (await load('resize')).properties;
    const many = (await load('resizeMany')).properties;
    const shared = Object.keys(single).filter((name) => name in many && name !== 'destinationKey');
    expect(shared).toEqual(['fit', 'format', 'quality', 'position', 'dpr', 'background', 'withoutEnlargement', 'keepIcc', 'cacheControl', 'maxInputBytes', 'maxInputPixels']);
    const withoutOrder = ({ 'x-order': _, ...rest }: Record<string, unknown>) => rest;
    for (const name of shared) expect(withoutOrder(many[name]!), name).toEqual(withoutOrder(single[name]!));
  });
});
