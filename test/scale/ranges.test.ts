/**
 * Key ranges, what workers sharing one prefix rely on: list and resizeMany take `startAfter` and
 * `endBefore`, and splitPrefix cuts a prefix into ranges that cover every key exactly once, in S3's
 * order (UTF-8 bytes), with tricky keys, and with keys written after the split.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListOutput } from '../../src/generated/actions/list.output.js';
import type { ResizeManyOutput } from '../../src/generated/actions/resizeMany.output.js';
import type { SplitPrefixOutput } from '../../src/generated/actions/splitPrefix.output.js';
import { actions } from '../../src/index.js';
import { KeySample } from '../../src/key-sample.js';
import { compareKeys } from '../../src/listing.js';
import { useEmulator } from '../helpers/emulator.js';
import { caller, flat, putObject } from '../helpers/images.js';
import { watchNetwork } from '../helpers/network.js';
import { numberedKeys, putKeys, rawClient } from '../helpers/seed.js';

const s3 = useEmulator();

/**
 * Keys whose S3 order (UTF-8 bytes) is not JS's (UTF-16 units): an astral character (emoji, musical
 * symbol) sorts after U+E000-U+FFFF in S3 and before it in JS. Also "+", spaces, "." before "/",
 * precomposed and decomposed accents, and keys that are prefixes of others.
 */
const TRICKY = [
  'tricky/a b.jpg',
  'tricky/a+b.jpg',
  'tricky/a.jpg',
  'tricky/a/b.jpg',
  'tricky/a/c d.jpg',
  'tricky/café.jpg',
  'tricky/cafe\u0301.jpg',
  'tricky/日本語.jpg',
  'tricky/☕.jpg',
  'tricky/\uE000.jpg',
  'tricky/\uFF5E.jpg',
  'tricky/\u{1F600}.jpg',
  'tricky/\u{1F600}\u{1F600}.jpg',
  'tricky/\u{1D11E}.jpg',
  'tricky/100%.jpg',
  "tricky/it's.jpg",
  'tricky/Z.jpg',
  'tricky/z.jpg',
  'tricky/~.jpg',
  'tricky/x',
  'tricky/x y',
  'tricky/x/y',
  ...numberedKeys('tricky/n', 8),
];
const IN_S3_ORDER = [...TRICKY].sort(compareKeys);
const PAGES = numberedKeys('pages/k', 2500);

const list = (input: Record<string, unknown>) => actions.list!(input, { connection: s3.connection() }) as Promise<ListOutput>;
const split = (input: Record<string, unknown>) => actions.splitPrefix!(input, { connection: s3.connection() }) as Promise<SplitPrefixOutput>;
const { run: resizeMany, failure: resizeManyFailure } = caller<ResizeManyOutput>(s3, actions.resizeMany!);

/** A range's bounds, as a host maps them from splitPrefix's output into the next action's input. */
const bounds = ({ startAfter, endBefore }: { startAfter?: string; endBefore?: string }) => ({
  ...(startAfter === undefined ? {} : { startAfter }),
  ...(endBefore === undefined ? {} : { endBefore }),
});

/** Every key in a range, through `list` with the range's bounds, following its tokens. */
async function keysInRange(prefix: string, range: { startAfter?: string; endBefore?: string }, maxKeys = 1000): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await list({ prefix, ...bounds(range), maxKeys, ...(token ? { continuationToken: token } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    token = page.nextContinuationToken;
  } while (token);
  return keys;
}

const listRequests = (requests: string[]) => requests.filter((r) => r.includes('list-type=2')).length;

beforeAll(async () => {
  const client = rawClient(s3.endpoint);
  await putKeys(client, s3.bucket, [...TRICKY, ...PAGES]);
  client.destroy();
});

describe('list with a key range', () => {
  it('lists exactly the keys strictly between startAfter and endBefore, in S3\'s order', async () => {
    expect(IN_S3_ORDER).not.toEqual([...TRICKY].sort());
    expect(await keysInRange('tricky/', {})).toEqual(IN_S3_ORDER);
    const from = IN_S3_ORDER.indexOf('tricky/a.jpg');
    const to = IN_S3_ORDER.indexOf('tricky/\u{1F600}.jpg');
    expect(await keysInRange('tricky/', { startAfter: 'tricky/a.jpg', endBefore: 'tricky/\u{1F600}.jpg' })).toEqual(IN_S3_ORDER.slice(from + 1, to));
  });

  it('never asks for a page beyond endBefore', async () => {
    const network = watchNetwork();
    try {
      expect(await list({ prefix: 'pages/', all: true, endBefore: 'pages/k00500' })).toMatchObject({ isTruncated: false });
      expect(listRequests(network.requests)).toBe(1);
      const twoPages = await list({ prefix: 'pages/', all: true, endBefore: 'pages/k01500' });
      expect(twoPages.objects.map((o) => o.key)).toEqual(PAGES.slice(0, 1500));
      expect(listRequests(network.requests)).toBe(3);
      // Nothing under the prefix can sort before endBefore: no request at all.
      expect(await list({ prefix: 'pages/', endBefore: 'pages/' })).toEqual({ objects: [], folders: [], isTruncated: false });
      expect(listRequests(network.requests)).toBe(3);
    } finally {
      network.stop();
    }
  });

  it('keeps a continuation token inside its range, and refuses it with another endBefore', async () => {
    const range = { startAfter: 'pages/k00100', endBefore: 'pages/k00133' };
    expect(await keysInRange('pages/', range, 7)).toEqual(PAGES.slice(101, 133));
    const first = await list({ prefix: 'pages/', maxKeys: 7, ...range });
    await expect(list({ prefix: 'pages/', maxKeys: 7, continuationToken: first.nextContinuationToken })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/continuationToken',
      message: expect.stringContaining('Resume with the same connection, `prefix`, `delimiter` and `endBefore`'),
    });
  });

  it('refuses a range that cannot hold a key, before any request', async () => {
    const network = watchNetwork();
    try {
      await expect(list({ prefix: 'pages/', startAfter: 'pages/k2', endBefore: 'pages/k1' })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/endBefore',
        message: 'Expected `endBefore` to sort after `startAfter` ("pages/k2") in S3\'s order (by UTF-8 bytes) but received "pages/k1": no key lies between them.',
      });
      expect(network.requests).toEqual([]);
    } finally {
      network.stop();
    }
  });
});

describe('splitPrefix', () => {
  it('cuts 2,500 keys into 4 ranges of 625, in three list requests', async () => {
    const output = await split({ prefix: 'pages/', parts: 4 });
    expect(output).toEqual({
      ranges: [
        { endBefore: 'pages/k00624\u0000', count: 625 },
        { startAfter: 'pages/k00624', endBefore: 'pages/k01249\u0000', count: 625 },
        { startAfter: 'pages/k01249', endBefore: 'pages/k01874\u0000', count: 625 },
        { startAfter: 'pages/k01874', count: 625 },
      ],
      total: 2500,
      listed: 2500,
      requests: 3,
    });
    for (const [i, range] of output.ranges.entries()) expect(await keysInRange('pages/', range)).toEqual(PAGES.slice(i * 625, (i + 1) * 625));
  });

  it('covers every tricky key exactly once, whatever the number of ranges', async () => {
    for (const parts of [1, 2, 3, 5, 8, TRICKY.length, TRICKY.length + 5]) {
      const { ranges, total } = await split({ prefix: 'tricky/', parts });
      expect(total).toBe(TRICKY.length);
      expect(ranges).toHaveLength(Math.min(parts, TRICKY.length));
      const counts = ranges.map((r) => r.count);
      expect(Math.max(...counts) - Math.min(...counts), `parts ${parts}: ${counts}`).toBeLessThanOrEqual(1);
      const listed = await Promise.all(ranges.map((range) => keysInRange('tricky/', range)));
      expect(listed.map((keys) => keys.length)).toEqual(counts);
      expect(listed.flat(), `parts ${parts}`).toEqual(IN_S3_ORDER);
    }
  });

  it('puts keys written after the split, equal to a boundary or between two ranges, in exactly one range', async () => {
    const { ranges } = await split({ prefix: 'tricky/', parts: 6 });
    const boundaries = ranges.flatMap((r) => (r.startAfter === undefined ? [] : [r.startAfter]));
    expect(boundaries).toHaveLength(5);
    // Right after a boundary in S3's order, so before the next range's first key; and before the first, after the last.
    const later = [...boundaries.flatMap((b) => [`${b} `, `${b}\u{1F600}`]), 'tricky/', 'tricky/ ', 'tricky/\u{10FFFF}'];
    const client = rawClient(s3.endpoint);
    await putKeys(client, s3.bucket, later);
    client.destroy();
    const listed = (await Promise.all(ranges.map((range) => keysInRange('tricky/', range)))).flat();
    expect(listed).toEqual([...TRICKY, ...later].sort(compareKeys));
    for (const boundary of boundaries) expect(listed.filter((k) => k === boundary)).toEqual([boundary]);
  });

  it('balances on the extensions asked for, and splits inside a given range', async () => {
    const images = await split({ prefix: 'tricky/', parts: 3, extensions: ['JPG'] });
    expect(images.total).toBe(TRICKY.filter((k) => k.endsWith('.jpg')).length);
    expect(images.listed).toBeGreaterThan(images.total);
    const inner = await split({ prefix: 'pages/', parts: 2, startAfter: 'pages/k00099', endBefore: 'pages/k00200' });
    expect(inner).toMatchObject({
      ranges: [
        { startAfter: 'pages/k00099', endBefore: 'pages/k00149\u0000', count: 50 },
        { startAfter: 'pages/k00149', endBefore: 'pages/k00200', count: 50 },
      ],
      total: 100,
      requests: 1,
    });
  });

  it('never makes a boundary of a key that list would refuse as startAfter, yet keeps it in a range', async () => {
    const keys = ['odd/a.jpg', 'odd/b\u0007.jpg', 'odd/c.jpg', 'odd/d.jpg'];
    const client = rawClient(s3.endpoint);
    await putKeys(client, s3.bucket, keys);
    client.destroy();
    const { ranges } = await split({ prefix: 'odd/', parts: 4 });
    expect(ranges.map((r) => r.startAfter)).toEqual([undefined, 'odd/a.jpg', 'odd/c.jpg']);
    expect(ranges.map((r) => r.count)).toEqual([1, 2, 1]);
    expect((await Promise.all(ranges.map((range) => keysInRange('odd/', range)))).flat()).toEqual(keys);
  });

  it('returns one open range for a prefix with no keys', async () => {
    expect(await split({ prefix: 'nothing-here/', parts: 8 })).toEqual({ ranges: [{ count: 0 }], total: 0, listed: 0, requests: 1 });
  });
});

describe('KeySample', () => {
  it('keeps split points within 1/64 of a range of the ideal, in bounded memory, with exact counts', () => {
    const keys = 200_003;
    const parts = 7;
    const sample = new KeySample(64 * parts);
    for (let i = 1; i <= keys; i++) sample.add(`k${String(i).padStart(6, '0')}`);
    const points = sample.splitPoints(parts);
    expect(points).toHaveLength(parts - 1);
    for (const [i, point] of points.entries()) {
      expect(point.key).toBe(`k${String(point.position).padStart(6, '0')}`);
      expect(Math.abs(point.position - (keys * (i + 1)) / parts)).toBeLessThanOrEqual(keys / parts / 64);
    }
  });
});

describe('resizeMany with a key range', () => {
  const KEYS = ['rimg/a b.jpg', 'rimg/a+b.jpg', 'rimg/a.jpg', 'rimg/a/b.jpg', 'rimg/é.jpg', 'rimg/\uFF5E.jpg', 'rimg/\u{1F600}.jpg', 'rimg/z.jpg'];
  const destinationKey = 'rout/{path}.{ext}';

  beforeAll(async () => {
    const client = rawClient(s3.endpoint);
    const image = await flat(16, 16, 'jpeg');
    await Promise.all(KEYS.map((key) => putObject(client, s3.bucket, key, image)));
    client.destroy();
  });

  it('resizes each source once across workers given the ranges of a split, each run resuming inside its range', async () => {
    const { ranges } = await split({ prefix: 'rimg/', parts: 3 });
    const network = watchNetwork();
    try {
      // One run per range at once, each cut by `limit: 1` and resumed from its token.
      const perRange = await Promise.all(
        ranges.map(async (range) => {
          const done: ResizeManyOutput[] = [];
          let token: string | undefined;
          do {
            const out = await resizeMany({ prefix: 'rimg/', sizes: ['8x8'], destinationKey, limit: 1, ...bounds(range), ...(token ? { continuationToken: token } : {}) });
            done.push(out);
            token = out.nextContinuationToken;
          } while (token && done.length < 20);
          return done.reduce((sum, out) => sum + out.processed, 0);
        }),
      );
      expect(perRange).toEqual(ranges.map((r) => r.count));
      const puts = network.requests.filter((r) => r.startsWith('PUT '));
      expect(puts).toHaveLength(KEYS.length);
      expect(new Set(puts).size).toBe(KEYS.length);
    } finally {
      network.stop();
    }
  });

  it('refuses a token from a run with another endBefore', async () => {
    const out = await resizeMany({ prefix: 'rimg/', sizes: ['8x8'], destinationKey, limit: 1, endBefore: 'rimg/z' });
    const error = await resizeManyFailure({ prefix: 'rimg/', sizes: ['8x8'], destinationKey, continuationToken: out.nextContinuationToken });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/continuationToken' });
    expect(error.message).toBe('Expected a `continuationToken` from a run with no `endBefore` but received one from a run with `endBefore` "rimg/z": resume with the same key range, or leave the token empty.');
  });
});
