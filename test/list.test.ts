import { createHash } from 'node:crypto';
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import outputSchema from '../schemas/actions/list.output.json';
import type { ListOutput } from '../src/generated/actions/list.output.js';
import { actions, type Progress } from '../src/index.js';
import { validator } from '../src/validate.js';
import { useEmulator } from './helpers/emulator.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from './helpers/nock.js';
import { numberedKeys, putKeys, rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const MANY = numberedKeys('many/k', 2500);
const SPECIAL = ['special/café ☕.txt', 'special/日本語/ファイル.txt', 'special/with space.txt', "special/a&b<c>d'e+f=g?h#i.txt", 'special/100%.csv'];
const FOLDERS = ['tree/root.txt', 'tree/docs/a.txt', 'tree/docs/b/c.txt', 'tree/photos/2024/x.jpg', 'tree/photos/2025/y.jpg', 'tree/z.txt'];
const MANY_FOLDERS = Array.from({ length: 30 }, (_, i) => `dirs/d${String(i).padStart(2, '0')}/file.txt`);
/** Objects that sort between folders: "." comes before "/". */
const BETWEEN_FOLDERS = ['dirs/d05.txt', 'dirs/d15.txt'];
const FENCED = ['tenant-a/x.txt', 'tenant-a/y/z.txt', 'tenant-ab/not-mine.txt', 'tenant-b/not-mine.txt'];

const checkOutput = validator<ListOutput>(outputSchema);
const list = async (input: Record<string, unknown>, extra: { basePath?: string; progress?: (p: Progress) => void; signal?: AbortSignal } = {}) => {
  const { basePath, ...ctx } = extra;
  return checkOutput(await actions.list!(input, { connection: s3.connection(basePath ? { basePath } : {}), ...ctx }));
};
const keysOf = (output: ListOutput) => output.objects.map((o) => o.key);

/** Every run of a listing resumed with its token until the end, with how many runs it took. */
async function listAllRuns(input: Record<string, unknown>) {
  const runs: ListOutput[] = [];
  let token: string | undefined;
  do {
    const output = await list({ ...input, ...(token ? { continuationToken: token } : {}) });
    runs.push(output);
    token = output.nextContinuationToken;
    expect(output.isTruncated).toBe(token !== undefined);
  } while (token && runs.length < 100);
  return runs;
}

beforeAll(async () => {
  const client = rawClient(s3.endpoint);
  await putKeys(client, s3.bucket, [...MANY, ...SPECIAL, ...FOLDERS, ...MANY_FOLDERS, ...BETWEEN_FOLDERS, ...FENCED]);
  client.destroy();
});

describe('list', () => {
  it('lists 2,500 keys page by page, 1,000 per run, each key exactly once', async () => {
    const runs = await listAllRuns({ prefix: 'many/' });
    expect(runs.map((r) => r.objects.length)).toEqual([1000, 1000, 500]);
    expect(runs.flatMap(keysOf)).toEqual(MANY);
  });

  it('lists all 2,500 keys in one run with `all`, with size, etag, date and storage class', async () => {
    const output = await list({ prefix: 'many/', all: true });
    expect(keysOf(output)).toEqual(MANY);
    expect(output.isTruncated).toBe(false);
    expect(output.nextContinuationToken).toBeUndefined();
    const first = output.objects[0]!;
    expect(first).toMatchObject({ key: 'many/k00000', size: 'many/k00000'.length, storageClass: 'STANDARD' });
    expect(first.etag).toBe(createHash('md5').update('many/k00000').digest('hex'));
    expect(Date.now() - Date.parse(first.lastModified)).toBeLessThan(10 * 60_000);
  });

  it('stops at `limit` mid-page, and the token resumes it so every key comes back exactly once', async () => {
    const runs = await listAllRuns({ prefix: 'many/', all: true, limit: 1234 });
    expect(runs.map((r) => r.objects.length)).toEqual([1234, 1234, 32]);
    expect(runs.flatMap(keysOf)).toEqual(MANY);
  });

  it('resumes exactly with a page size that does not divide the limit', async () => {
    const runs = await listAllRuns({ prefix: 'many/', all: true, limit: 999, maxKeys: 400 });
    expect(runs.map((r) => r.objects.length)).toEqual([999, 999, 502]);
    expect(runs.flatMap(keysOf)).toEqual(MANY);
  });

  it('starts after a given key, in S3 order, unless a token says where to resume', async () => {
    expect(keysOf(await list({ prefix: 'many/', startAfter: 'many/k02497' }))).toEqual(['many/k02498', 'many/k02499']);
    const first = await list({ prefix: 'many/', maxKeys: 2 });
    const resumed = await list({ prefix: 'many/', maxKeys: 2, startAfter: 'many/k02497', continuationToken: first.nextContinuationToken });
    expect(keysOf(resumed)).toEqual(['many/k00002', 'many/k00003']);
  });

  it('reports progress while following pages, saying what it counts', async () => {
    const seen: Progress[] = [];
    await list({ prefix: 'many/', all: true }, { progress: (p) => seen.push(p) });
    expect(seen.map((p) => p.done)).toEqual([1000, 2000, 2500]);
    expect(seen.at(-1)?.message).toBe('Listed 2,500 objects and 0 folders');
    const one: Progress[] = [];
    await list({ prefix: 'tree/', delimiter: '/' }, { progress: (p) => one.push(p) });
    expect(one.at(-1)?.message).toMatch(/^Listed \d+ objects? and 2 folders$/);
  });

  it('returns folders one level down with a delimiter, and their objects when asked for the folder', async () => {
    const top = await list({ prefix: 'tree/', delimiter: '/' });
    expect(top.folders).toEqual(['tree/docs/', 'tree/photos/']);
    expect(keysOf(top)).toEqual(['tree/root.txt', 'tree/z.txt']);
    const docs = await list({ prefix: 'tree/docs/', delimiter: '/' });
    expect(docs.folders).toEqual(['tree/docs/b/']);
    expect(keysOf(docs)).toEqual(['tree/docs/a.txt']);
    const flat = await list({ prefix: 'tree/' });
    expect(flat.folders).toEqual([]);
    expect(keysOf(flat)).toEqual([...FOLDERS].sort());
  });

  it('counts folders toward the limit and resumes after a folder without repeating it', async () => {
    const runs = await listAllRuns({ prefix: 'dirs/', delimiter: '/', all: true, limit: 7 });
    expect(runs.map((r) => r.folders.length + r.objects.length)).toEqual([7, 7, 7, 7, 4]);
    const folders = MANY_FOLDERS.map((k) => k.replace('file.txt', ''));
    expect(runs.flatMap((r) => r.folders)).toEqual(folders);
    expect(runs.flatMap(keysOf)).toEqual(BETWEEN_FOLDERS);
    // In S3's order "dirs/d05.txt" comes before "dirs/d05/", so the first run ends with it and that folder.
    expect(runs[0]).toMatchObject({ folders: folders.slice(0, 6), objects: [{ key: 'dirs/d05.txt' }] });
  });

  it('returns keys with unicode, spaces and & < > \' + = ? # % exactly as written', async () => {
    const output = await list({ prefix: 'special/' });
    expect(keysOf(output).sort()).toEqual([...SPECIAL].sort());
  });

  it('never lists outside the base path, and returns keys relative to it', async () => {
    expect(keysOf(await list({ all: true }, { basePath: 'tenant-a' }))).toEqual(['x.txt', 'y/z.txt']);
    const folders = await list({ delimiter: '/' }, { basePath: 'tenant-a/' });
    expect(folders.folders).toEqual(['y/']);
    expect(keysOf(folders)).toEqual(['x.txt']);
  });

  it('refuses a prefix that climbs out of the base path', async () => {
    await expect(list({ prefix: '../tenant-b/' }, { basePath: 'tenant-a' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/prefix',
      message: expect.stringContaining('inside the base path "tenant-a/"'),
    });
  });

  it('refuses a token from another listing or one that was edited', async () => {
    const first = await list({ prefix: 'many/', maxKeys: 10 });
    await expect(list({ prefix: 'tree/', continuationToken: first.nextContinuationToken })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/continuationToken',
      message: expect.stringContaining('belongs to another listing'),
    });
    await expect(list({ prefix: 'many/', continuationToken: `${first.nextContinuationToken}x!` })).rejects.toMatchObject({
      code: 'InvalidInput',
      message: expect.stringContaining('`nextContinuationToken` of a previous list run'),
    });
  });

  it('refuses a page size over S3\'s 1,000 before any request', async () => {
    await expect(list({ maxKeys: 5000 })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/maxKeys',
      message: 'Expected integer between 1 and 1000 for `maxKeys` but received 5000.',
    });
  });

  it('stops promptly with Aborted when the run is cancelled between pages', async () => {
    const controller = new AbortController();
    const run = list({ prefix: 'many/', all: true, maxKeys: 100 }, { signal: controller.signal, progress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'Aborted', retryable: false });
  });
});

describe('list against answers only AWS gives', () => {
  const net = useNock();

  it('names s3:ListBucket when the credentials may not list', async () => {
    nock(BUCKET_ORIGIN).get('/').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.list!({ prefix: 'reports/' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      retryable: false,
      message: expect.stringContaining('lack s3:ListBucket on arn:aws:s3:::test-bucket'),
    });
    expect(net.unmatched).toEqual([]);
  });

  it('decodes URL-encoded keys, telling a space from a plus', async () => {
    nock(BUCKET_ORIGIN)
      .get('/')
      .query((q) => q['encoding-type'] === 'url' && q.prefix === 'r' && q.delimiter === '/')
      .reply(
        200,
        `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>test-bucket</Name><Prefix>r</Prefix><KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
<Contents><Key>r/a+b.txt</Key><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>"abc"</ETag><Size>3</Size><StorageClass>STANDARD_IA</StorageClass></Contents>
<Contents><Key>r/a%2Bb.txt</Key><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>"def"</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>r/%01ctl%25.txt</Key><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>"ghi"</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>r/%ED%95%9C+%EA%B8%80/</Prefix></CommonPrefixes></ListBucketResult>`,
        awsHeaders(),
      );
    const output = checkOutput(await actions.list!({ prefix: 'r', delimiter: '/' }, { connection: awsConnection() }));
    expect(keysOf(output)).toEqual(['r/a b.txt', 'r/a+b.txt', 'r/\u0001ctl%.txt']);
    expect(output.folders).toEqual(['r/한 글/']);
    expect(output.objects[0]).toEqual({ key: 'r/a b.txt', size: 3, lastModified: '2025-01-02T03:04:05.000Z', etag: 'abc', storageClass: 'STANDARD_IA' });
  });
});
