import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import outputSchema from '../schemas/actions/get.output.json';
import type { GetOutput } from '../src/generated/actions/get.output.js';
import { actions, type ActionContext, type FileStore } from '../src/index.js';
import { MAX_INLINE_BYTES } from '../src/inline.js';
import { validator } from '../src/validate.js';
import { useEmulator } from './helpers/emulator.js';
import { memoryFiles } from './helpers/files.js';
import { closedPort, silentServer, watchNetwork } from './helpers/network.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from './helpers/nock.js';
import { rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const checkOutput = validator<GetOutput>(outputSchema);

let raw: S3Client;
beforeAll(() => {
  raw = rawClient(s3.endpoint);
});
afterAll(() => raw.destroy());

const seed = (Key: string, Body: PutObjectCommandInput['Body'], extra: Partial<PutObjectCommandInput> = {}) =>
  raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body, ...extra }));

type Extra = Partial<Omit<ActionContext, 'connection'>> & { basePath?: string; connection?: Record<string, unknown> };
async function get(input: Record<string, unknown>, extra: Extra = {}): Promise<GetOutput> {
  const { basePath, connection, ...ctx } = extra;
  return checkOutput(await actions.get!(input, { connection: connection ?? s3.connection(basePath ? { basePath } : {}), ...ctx }));
}

/** Random bytes that are certainly not UTF-8 (0xff never appears in UTF-8). */
function binary(size: number): Buffer {
  const bytes = randomBytes(size);
  if (size > 0) bytes[0] = 0xff;
  return bytes;
}

describe('get reads an object in the mode asked for', () => {
  it('returns binary data byte-exact as base64 and as a file, and refuses to corrupt it as text', async () => {
    const bytes = binary(256 * 1024 + 7);
    await seed('bin/photo.raw', bytes, { ContentType: 'application/octet-stream' });

    const asBase64 = await get({ key: 'bin/photo.raw', as: 'base64' });
    expect(Buffer.from(asBase64.base64!, 'base64').equals(bytes)).toBe(true);
    expect(asBase64.size).toBe(bytes.length);

    const files = memoryFiles();
    const asFile = await get({ key: 'bin/photo.raw', as: 'file' }, { files });
    expect(asFile.file).toMatchObject({ name: 'photo.raw', size: bytes.length, contentType: 'application/octet-stream' });
    expect((await files.bytes(asFile.file!)).equals(bytes)).toBe(true);

    await expect(get({ key: 'bin/photo.raw', as: 'text' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/as',
      message: 'Object "bin/photo.raw" is not valid utf-8 text, so it was not decoded (that would corrupt it). Read it with `as` "base64" or "file", or set `charset` if it is text in another encoding.',
    });
  });

  it('returns the size, type, ETag, date and metadata beside the content, metadata decoded as written', async () => {
    await seed('docs/note.txt', 'hello', {
      ContentType: 'text/plain; charset=utf-8',
      Metadata: { author: 'ada', city: `=?UTF-8?B?${Buffer.from('Zürich').toString('base64')}?=` },
      CacheControl: 'no-cache',
    });
    const output = await get({ key: 'docs/note.txt' });
    expect(output).toMatchObject({
      key: 'docs/note.txt',
      text: 'hello',
      size: 5,
      contentType: 'text/plain; charset=utf-8',
      etag: '5d41402abc4b2a76b9719d911017c592',
      metadata: { author: 'ada', city: 'Zürich' },
      cacheControl: 'no-cache',
    });
    expect(Date.now() - Date.parse(output.lastModified)).toBeLessThan(60_000);
  });

  it('decodes text with the charset its Content-Type names, or the one given', async () => {
    await seed('text/latin1.txt', Buffer.from('café crème', 'latin1'), { ContentType: 'text/plain; charset=ISO-8859-1' });
    expect((await get({ key: 'text/latin1.txt', as: 'text' })).text).toBe('café crème');

    await seed('text/utf16.txt', Buffer.from('€ 5 ☕', 'utf16le'), { ContentType: 'text/plain' });
    expect((await get({ key: 'text/utf16.txt', as: 'text', charset: 'utf-16le' })).text).toBe('€ 5 ☕');

    await expect(get({ key: 'text/utf16.txt', charset: 'klingon-8' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/charset',
      message: 'Expected a character set such as "utf-8" or "iso-8859-1" for `charset` but received "klingon-8", which is not one Node.js knows.',
    });
  });

  it('parses JSON, and says clearly when the object is not JSON', async () => {
    await seed('data/ok.json', JSON.stringify({ id: 7, tags: ['a', 'ü'] }), { ContentType: 'application/json' });
    expect((await get({ key: 'data/ok.json', as: 'json' })).json).toEqual({ id: 7, tags: ['a', 'ü'] });

    await seed('data/broken.json', '{"id": 7,, }');
    await expect(get({ key: 'data/broken.json', as: 'json' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/as',
      message: expect.stringMatching(/^Object "data\/broken\.json" is not valid JSON \(.*position 9.*\)\. Read it with `as` "text" to see its content as it is\.$/),
    });
  });

  it('reads a byte range, from the start, the middle or the end', async () => {
    await seed('range/digits.txt', '0123456789');
    expect(await get({ key: 'range/digits.txt', range: '2-5' })).toMatchObject({ text: '2345', size: 4, contentRange: 'bytes 2-5/10' });
    expect((await get({ key: 'range/digits.txt', range: 'bytes=7-' })).text).toBe('789');
    expect((await get({ key: 'range/digits.txt', range: '-3', as: 'base64' })).base64).toBe(Buffer.from('789').toString('base64'));
    expect(await get({ key: 'range/digits.txt', range: '0-0' })).toMatchObject({ text: '0', contentRange: 'bytes 0-0/10' });
    await expect(get({ key: 'range/digits.txt', range: '5-2x' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/range',
      message: 'Expected a byte range such as "0-1023", "1024-" or "-500" for `range` but received "5-2x".',
    });
  });

  it('reads zero-byte objects in every mode', async () => {
    await seed('empty/nothing.bin', Buffer.alloc(0));
    expect(await get({ key: 'empty/nothing.bin', as: 'text' })).toMatchObject({ text: '', size: 0 });
    expect(await get({ key: 'empty/nothing.bin', as: 'base64' })).toMatchObject({ base64: '', size: 0 });
    const files = memoryFiles();
    const asFile = await get({ key: 'empty/nothing.bin', as: 'file' }, { files });
    expect((await files.bytes(asFile.file!)).length).toBe(0);
    await expect(get({ key: 'empty/nothing.bin', as: 'json' })).rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('is not valid JSON') });
  });

  it('reads keys with unicode, spaces and + & = ? # under a base path', async () => {
    const keys = ['ünï/日本語 ファイル.txt', 'odd/a+b&c=d?e#f.txt', 'odd/ spaces  around .txt', 'odd/100%.txt'];
    for (const key of keys) await seed(`tenant/${key}`, `content of ${key}`);
    for (const key of keys) {
      expect(await get({ key }, { basePath: 'tenant' })).toMatchObject({ key, text: `content of ${key}` });
    }
  });

  it('refuses an object over the inline limit with TooLarge pointing to file mode, and streams it as a file', async () => {
    const bytes = binary(MAX_INLINE_BYTES + 1);
    await seed('big/over-limit.bin', bytes);
    for (const as of ['text', 'base64', 'json']) {
      await expect(get({ key: 'big/over-limit.bin', as })).rejects.toMatchObject({
        code: 'TooLarge',
        retryable: false,
        field: '/as',
        message: `Object "big/over-limit.bin" is 16.0 MiB, over the 16 MiB limit for \`as\` "${as}" (inline content travels in the workflow's data). Use \`as\` "file" to stream it into a file, or \`range\` to read a part.`,
      });
    }
    const files = memoryFiles();
    const asFile = await get({ key: 'big/over-limit.bin', as: 'file' }, { files });
    expect((await files.bytes(asFile.file!)).equals(bytes)).toBe(true);
    expect((await get({ key: 'big/over-limit.bin', as: 'base64', range: '0-99' })).size).toBe(100);
  });

  it('reports download progress in file mode every 8 MiB and at the end, without changing a byte', async () => {
    const bytes = binary(20 * 1024 * 1024 + 3);
    await seed('big/progress.bin', bytes);
    const files = memoryFiles();
    const progress: Array<{ done: number; total?: number }> = [];
    const asFile = await get({ key: 'big/progress.bin', as: 'file' }, { files, progress: (p) => progress.push(p) });
    expect((await files.bytes(asFile.file!)).equals(bytes)).toBe(true);
    // Chunks arrive in sizes the socket picks, so the steps land at or just past each 8 MiB.
    expect(progress.map((p) => Math.floor(p.done / (8 * 1024 * 1024)))).toEqual([1, 2, 2]);
    expect(progress.every((p) => p.total === bytes.length)).toBe(true);
    expect(progress.at(-1)!.done).toBe(bytes.length);
  });

  it('finishes the download when the host\'s progress callback throws, and logs it', async () => {
    const bytes = binary(9 * 1024 * 1024);
    await seed('big/progress-throws.bin', bytes);
    const files = memoryFiles();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };
    const progress = () => {
      throw new Error('host UI went away');
    };
    const asFile = await get({ key: 'big/progress-throws.bin', as: 'file' }, { files, progress, logger });
    expect((await files.bytes(asFile.file!)).equals(bytes)).toBe(true);
    expect(warnings).toEqual(["The host's progress callback threw; the run goes on.", "The host's progress callback threw; the run goes on."]);
  });

  it('says NotFound naming the key, and the base path it looked under', async () => {
    await expect(get({ key: 'missing/report.csv' })).rejects.toMatchObject({
      code: 'NotFound',
      retryable: false,
      message: 'No object "missing/report.csv" in bucket "test-bucket". Check the key and the connection\'s base path.',
    });
  });

  it('asks for the host file store before any network call when file mode has none', async () => {
    const net = watchNetwork();
    try {
      await expect(get({ key: 'bin/photo.raw', as: 'file' })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/as',
        message: expect.stringContaining("needs the host's file store, and this host gave none"),
      });
    } finally {
      net.stop();
    }
    expect(net.requests).toEqual([]);
  });

  it('answers Conflict, saying it is not modified, when the ETag still matches ifNoneMatch', async () => {
    await seed('cond/a.txt', 'version 1');
    const { etag } = await get({ key: 'cond/a.txt' });
    await expect(get({ key: 'cond/a.txt', ifNoneMatch: etag })).rejects.toMatchObject({
      code: 'Conflict',
      retryable: false,
      message: `Object "cond/a.txt" is not modified: its ETag is still "${etag}" (\`ifNoneMatch\`), so it was not downloaded again.`,
    });
    await seed('cond/a.txt', 'version 2');
    expect((await get({ key: 'cond/a.txt', ifNoneMatch: etag })).text).toBe('version 2');
  });

  it('stops a download promptly and answers Aborted when the run is cancelled mid-stream', async () => {
    await seed('big/slow.bin', binary(24 * 1024 * 1024));
    const controller = new AbortController();
    let received = 0;
    // A host store that cancels the run once the first bytes arrive, and then keeps reading.
    const files: FileStore = {
      async write({ data }) {
        for await (const chunk of data as AsyncIterable<Buffer>) {
          received += chunk.length;
          controller.abort();
        }
        return { id: 'never', name: 'never' };
      },
      read: () => Promise.reject(new Error('not used')),
    };
    const started = Date.now();
    await expect(get({ key: 'big/slow.bin', as: 'file' }, { files, signal: controller.signal })).rejects.toMatchObject({
      code: 'Aborted',
      retryable: false,
      message: 'The run was cancelled.',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(received).toBeLessThan(24 * 1024 * 1024);
  });

  it('answers Aborted at once when the run was cancelled before it started', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(get({ key: 'docs/note.txt' }, { signal: controller.signal })).rejects.toMatchObject({ code: 'Aborted' });
  });
});

describe('get tells a person what to fix', () => {
  it('says InvalidCredentials when the secret does not match', async () => {
    await expect(get({ key: 'docs/note.txt' }, { connection: s3.connection({ secretAccessKey: 'not-the-secret-at-all' }) })).rejects.toMatchObject({
      code: 'InvalidCredentials',
      retryable: false,
      message: expect.stringContaining('The secret access key does not match the access key ID'),
    });
  });

  it('says BucketNotFound naming the bucket', async () => {
    await expect(get({ key: 'docs/note.txt' }, { connection: s3.connection({ bucket: 'no-such-bucket' }) })).rejects.toMatchObject({
      code: 'BucketNotFound',
      retryable: false,
      message: expect.stringContaining('Bucket "no-such-bucket" does not exist'),
    });
  });

  it('says Network, retryable, when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    await expect(get({ key: 'docs/note.txt' }, { connection: s3.connection({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }) })).rejects.toMatchObject({
      code: 'Network',
      retryable: true,
      message: expect.stringContaining('was refused'),
    });
  });

  it('says Timeout, retryable, when the endpoint never answers', async () => {
    const silent = await silentServer();
    try {
      await expect(
        get({ key: 'docs/note.txt' }, { connection: s3.connection({ endpoint: silent.endpoint, requestTimeoutMs: 1000, maxAttempts: 1 }) }),
      ).rejects.toMatchObject({ code: 'Timeout', retryable: true });
    } finally {
      await silent.close();
    }
  });

  it('refuses a key that would leave the base path, before any network call', async () => {
    await expect(get({ key: '../other-tenant/secret.txt' }, { basePath: 'tenant' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/key' });
  });
});

describe('get against answers only AWS gives', () => {
  const net = useNock();
  const getAws = (input: Record<string, unknown>) => actions.get!(input, { connection: awsConnection() });

  it('names s3:GetObject, or s3:GetObjectVersion for a version, when access is denied', async () => {
    nock(BUCKET_ORIGIN).get('/private/a.txt').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(getAws({ key: 'private/a.txt' })).rejects.toMatchObject({
      code: 'AccessDenied',
      retryable: false,
      message: expect.stringContaining('lack s3:GetObject on arn:aws:s3:::test-bucket/private/a.txt'),
    });
    nock(BUCKET_ORIGIN).get('/private/a.txt').query((q) => q.versionId === 'v1').reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(getAws({ key: 'private/a.txt', versionId: 'v1' })).rejects.toMatchObject({ code: 'AccessDenied', message: expect.stringContaining('s3:GetObjectVersion') });
    expect(net.unmatched).toEqual([]);
  });

  it('answers Conflict naming the ETag when the object changed since ifMatch', async () => {
    nock(BUCKET_ORIGIN)
      .get('/cond/a.txt')
      .query(true)
      .matchHeader('if-match', '"abc123"')
      .reply(412, awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' }), awsHeaders());
    await expect(getAws({ key: 'cond/a.txt', ifMatch: 'abc123' })).rejects.toMatchObject({
      code: 'Conflict',
      retryable: false,
      message: 'Object "cond/a.txt" has changed: its ETag is no longer "abc123" (`ifMatch`). Read it again without `ifMatch` to get the new content.',
    });
  });

  it('names the region the bucket is really in', async () => {
    nock(BUCKET_ORIGIN)
      .get('/a.txt')
      .query(true)
      .reply(301, awsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.'), awsHeaders({ 'x-amz-bucket-region': 'eu-west-1' }));
    await expect(getAws({ key: 'a.txt' })).rejects.toMatchObject({
      code: 'WrongRegion',
      message: expect.stringContaining("Set the connection's region to eu-west-1"),
    });
  });

  it('says Throttled, retryable, when S3 asks to slow down', async () => {
    nock(BUCKET_ORIGIN).get('/a.txt').query(true).reply(503, awsError('SlowDown', 'Please reduce your request rate.'), awsHeaders());
    await expect(getAws({ key: 'a.txt' })).rejects.toMatchObject({ code: 'Throttled', retryable: true });
  });

  it('says ServerError, retryable, on a 500', async () => {
    nock(BUCKET_ORIGIN).get('/a.txt').query(true).reply(500, awsError('InternalError', 'We encountered an internal error. Please try again.'), awsHeaders());
    await expect(getAws({ key: 'a.txt' })).rejects.toMatchObject({ code: 'ServerError', retryable: true, message: expect.stringContaining('HTTP 500') });
  });
});
