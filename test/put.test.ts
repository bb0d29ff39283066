import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectTaggingCommand, HeadObjectCommand, ListMultipartUploadsCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import outputSchema from '../schemas/actions/put.output.json';
import type { PutOutput } from '../src/generated/actions/put.output.js';
import { actions, type ActionContext, type FileStore, type Progress } from '../src/index.js';
import { MAX_USER_METADATA_BYTES } from '../src/limits.js';
import { useEmulator } from './helpers/emulator.js';
import { memoryFiles } from './helpers/files.js';
import { watchNetwork } from './helpers/network.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from './helpers/nock.js';
import { rawClient } from './helpers/seed.js';
import { validator } from '../src/validate.js';

const s3 = useEmulator();
const checkOutput = validator<PutOutput>(outputSchema);
const MiB = 1024 * 1024;

let raw: S3Client;
beforeAll(() => {
  raw = rawClient(s3.endpoint);
});
afterAll(() => raw.destroy());

type Extra = Partial<Omit<ActionContext, 'connection'>> & { basePath?: string };
async function put(input: Record<string, unknown>, extra: Extra = {}): Promise<PutOutput> {
  const { basePath, ...ctx } = extra;
  return checkOutput(await actions.put!(input, { connection: s3.connection(basePath ? { basePath } : {}), ...ctx }));
}
async function get(input: Record<string, unknown>, extra: Extra = {}) {
  const { basePath, ...ctx } = extra;
  return (await actions.get!(input, { connection: s3.connection(basePath ? { basePath } : {}), ...ctx })) as Record<string, unknown> & {
    base64?: string;
    text?: string;
    json?: unknown;
    file?: { id: string; name: string };
    metadata: Record<string, string>;
  };
}
const head = (Key: string): Promise<HeadObjectCommandOutput> => raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }));
const uploadsInProgress = async () => (await raw.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }))).Uploads ?? [];

/** A file store whose files stream `bytes`, then fail: a host disk or network read breaking mid-way. */
function failingFiles(bytes: number): FileStore {
  return {
    write: () => Promise.reject(new Error('not used')),
    async read() {
      const chunk = randomBytes(MiB);
      let sent = 0;
      return new Readable({
        read() {
          if (sent >= bytes) {
            this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
            return;
          }
          sent += chunk.length;
          this.push(chunk);
        },
      });
    },
  };
}

describe('put writes what it is given, byte-exact', () => {
  it('round-trips random binary from base64 and from a file, read back as base64 and as a file', async () => {
    const bytes = randomBytes(300 * 1024 + 3);
    bytes[0] = 0xff;
    const files = memoryFiles();
    const ref = await files.add('noise.bin', bytes);
    const written = [
      await put({ key: 'rt/from-base64.bin', base64: bytes.toString('base64') }),
      await put({ key: 'rt/from-file.bin', file: ref }, { files }),
    ];
    for (const { key, size } of written) {
      expect(size).toBe(bytes.length);
      expect(Buffer.from((await get({ key, as: 'base64' })).base64!, 'base64').equals(bytes)).toBe(true);
      const asFile = await get({ key, as: 'file' }, { files });
      expect((await files.bytes(asFile.file!)).equals(bytes)).toBe(true);
    }
  });

  it('round-trips text and JSON with any script, read back as text, JSON, base64 and file', async () => {
    const text = 'Grüße, 世界! 🚀 — “quoted”\r\nline two\u0000end';
    await put({ key: 'rt/note.txt', text });
    expect((await get({ key: 'rt/note.txt', as: 'text' })).text).toBe(text);
    expect(Buffer.from((await get({ key: 'rt/note.txt', as: 'base64' })).base64!, 'base64').toString('utf8')).toBe(text);
    const files = memoryFiles();
    const asFile = await get({ key: 'rt/note.txt', as: 'file' }, { files });
    expect((await files.bytes(asFile.file!)).toString('utf8')).toBe(text);

    const json = { name: 'Zoë', tags: ['ä', '🚀'], nested: { n: 1.5, ok: true, none: null } };
    await put({ key: 'rt/data.json', json });
    expect((await get({ key: 'rt/data.json', as: 'json' })).json).toEqual(json);
    for (const scalar of [42, 'just a string', null, [1, 2]]) {
      await put({ key: 'rt/scalar.json', json: scalar });
      expect((await get({ key: 'rt/scalar.json', as: 'json' })).json).toEqual(scalar);
    }
  });

  it('writes zero-byte objects from every source', async () => {
    const files = memoryFiles();
    const sources = [{ text: '' }, { base64: '' }, { file: await files.add('empty.bin', Buffer.alloc(0)) }];
    for (const [i, source] of sources.entries()) {
      const key = `empty/${i}.bin`;
      expect(await put({ key, ...source }, { files })).toMatchObject({ key, size: 0 });
      expect((await head(key)).ContentLength).toBe(0);
      expect((await get({ key, as: 'base64' })).base64).toBe('');
    }
  });

  it('writes keys with unicode, spaces and + & = ? # under the base path, exactly', async () => {
    for (const key of ['ünï/日本語 ファイル.txt', 'odd/a+b&c=d?e#f.txt', 'odd/ spaces  around .txt', 'odd/100%.txt']) {
      expect(await put({ key, text: key }, { basePath: 'tenant-x/' })).toMatchObject({ key, size: Buffer.byteLength(key) });
      expect((await head(`tenant-x/${key}`)).ContentLength).toBe(Buffer.byteLength(key));
      expect((await get({ key }, { basePath: 'tenant-x' })).text).toBe(key);
    }
  });

  it('streams a file larger than a part as a multipart upload, reporting progress', async () => {
    const bytes = randomBytes(20 * MiB + 5);
    const files = memoryFiles({ chunkBytes: 256 * 1024 });
    const ref = await files.add('big.bin', bytes);
    const progress: Progress[] = [];
    const net = watchNetwork();
    let output: PutOutput;
    try {
      output = await put({ key: 'multi/big.bin', file: ref }, { files, progress: (p) => progress.push(p) });
    } finally {
      net.stop();
    }
    expect(output).toMatchObject({ key: 'multi/big.bin', size: bytes.length, contentType: 'application/octet-stream' });
    // Three 8 MiB parts: 8 + 8 + 4 MiB.
    expect(net.requests.filter((r) => r.startsWith('PUT ') && r.includes('partNumber=')).length).toBe(3);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ done: bytes.length, total: bytes.length });
    const back = await get({ key: 'multi/big.bin', as: 'file' }, { files });
    expect((await files.bytes(back.file!)).equals(bytes)).toBe(true);
    expect(await uploadsInProgress()).toEqual([]);
  });
});

describe('put sets the object headers', () => {
  it('detects the content type from the key, then the file, then the kind of content', async () => {
    const files = memoryFiles();
    const pdf = await files.add('scan', Buffer.from('%PDF-1.7'), 'application/pdf');
    const proto = await files.add('event.pb', Buffer.from([8, 150, 1]), 'application/x-protobuf');
    const latin = await files.add('notes.txt', Buffer.from('caf\xe9', 'latin1'), 'text/plain; charset=iso-8859-1');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ key: 'ct/report.csv', text: 'a,b' }, 'text/csv; charset=utf-8'],
      [{ key: 'ct/PHOTO.PNG', base64: 'iVBORw0KGgo=' }, 'image/png'],
      [{ key: 'ct/clip.webm', base64: 'GkXfow==' }, 'video/webm'],
      [{ key: 'ct/events.jsonl', text: '{}' }, 'application/jsonl; charset=utf-8'],
      [{ key: 'ct/config.yml', text: 'a: 1' }, 'application/yaml; charset=utf-8'],
      [{ key: 'ct/take.FLAC', base64: 'ZkxhQw==' }, 'audio/flac'],
      [{ key: 'ct/.env', text: 'A=1' }, 'text/plain; charset=utf-8'],
      [{ key: 'ct/data', json: { a: 1 } }, 'application/json; charset=utf-8'],
      [{ key: 'ct/readme', text: 'hi' }, 'text/plain; charset=utf-8'],
      [{ key: 'ct/blob', base64: 'AAEC' }, 'application/octet-stream'],
      [{ key: 'ct/scan', file: pdf }, 'application/pdf'],
      // The key's extension names another type: the key wins, as browsers and CDNs see it.
      [{ key: 'ct/scan.jpg', file: pdf }, 'image/jpeg'],
      // The file's own type, where the key's extension says nothing more specific: only
      // application/octet-stream, or the same media type without the file's charset.
      [{ key: 'ct/event.bin', file: proto }, 'application/x-protobuf'],
      [{ key: 'ct/notes.txt', file: latin }, 'text/plain; charset=iso-8859-1'],
      [{ key: 'ct/explicit.txt', text: 'x', contentType: 'text/markdown' }, 'text/markdown; charset=utf-8'],
      [{ key: 'ct/explicit.bin', base64: 'AAEC', contentType: 'image/webp' }, 'image/webp'],
    ];
    for (const [input, type] of cases) {
      expect((await put(input, { files })).contentType, String(input.key)).toBe(type);
      expect((await head(String(input.key))).ContentType).toBe(type);
    }
  });

  it('refuses text with a charset it is not written in', async () => {
    await expect(put({ key: 'ct/latin.txt', text: 'café', contentType: 'text/plain; charset=iso-8859-1' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/contentType',
      message: 'Expected charset=utf-8 (or none) in `contentType` for `text`, which is written as UTF-8, but received "iso-8859-1". To store text in another encoding, pass its bytes as `base64`.',
    });
  });

  it('stores metadata, with any script in values, and reads it back as written', async () => {
    const metadata = { 'Customer-Id': 'C-1042', city: 'Zürich', note: '  padded  ', formula: '=?not-encoded?=' };
    await put({ key: 'meta/a.txt', text: 'x', metadata });
    expect((await get({ key: 'meta/a.txt' })).metadata).toEqual({ 'customer-id': 'C-1042', city: 'Zürich', note: '  padded  ', formula: '=?not-encoded?=' });
    // What S3 keeps: lowercase names, non-ASCII values RFC 2047 encoded (as S3 itself returns them).
    expect((await head('meta/a.txt')).Metadata).toMatchObject({ 'customer-id': 'C-1042', city: `=?UTF-8?B?${Buffer.from('Zürich').toString('base64')}?=` });
  });

  it('refuses metadata S3 would reject, naming the entry, before any network call', async () => {
    const net = watchNetwork();
    try {
      await expect(put({ key: 'meta/b.txt', text: 'x', metadata: { größe: '1' } })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/metadata/größe',
        message: expect.stringMatching(/^Expected a metadata name of ASCII letters, digits and .* but received "größe"\. Put other text in the value instead\.$/),
      });
      await expect(put({ key: 'meta/b.txt', text: 'x', metadata: { 'x-amz-meta-owner': 'me' } })).rejects.toMatchObject({
        field: '/metadata/x-amz-meta-owner',
        message: 'Expected the metadata name without its "x-amz-meta-" prefix, like "owner", but received "x-amz-meta-owner": the prefix is added for you.',
      });
      await expect(put({ key: 'meta/b.txt', text: 'x', metadata: { Owner: 'a', owner: 'b' } })).rejects.toMatchObject({
        field: '/metadata/owner',
        message: 'Metadata names "Owner" and "owner" are the same to S3, which stores names in lowercase. Keep one of them.',
      });
      await expect(put({ key: 'meta/b.txt', text: 'x', metadata: { big: 'v'.repeat(MAX_USER_METADATA_BYTES) } })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/metadata',
        message: 'Expected metadata of at most 2048 bytes (names and values together, as S3 counts them) but received 2051 bytes. Store large values in the object itself or in a separate object.',
      });
      await expect(put({ key: 'meta/b.txt', text: 'x', metadata: { count: 3 } })).rejects.toMatchObject({ field: '/metadata/count', message: 'Expected a string for `metadata.count` but received a number (3).' });
    } finally {
      net.stop();
    }
    expect(net.requests).toEqual([]);
  });

  it('writes cache control, disposition, encoding, storage class, SSE-KMS with its key and tags', async () => {
    const output = await put({
      key: 'headers/report.pdf',
      base64: Buffer.from('%PDF').toString('base64'),
      cacheControl: 'public, max-age=60',
      contentDisposition: 'attachment; filename="report.pdf"',
      contentEncoding: 'identity',
      storageClass: 'STANDARD_IA',
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'alias/reports',
      tags: { project: 'Zürich 2024', 'cost:center': 'a+b=c/d@e' },
    });
    expect(output.contentType).toBe('application/pdf');
    expect(await head('headers/report.pdf')).toMatchObject({
      CacheControl: 'public, max-age=60',
      ContentDisposition: 'attachment; filename="report.pdf"',
      ContentEncoding: 'identity',
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/reports',
    });
    const { TagSet } = await raw.send(new GetObjectTaggingCommand({ Bucket: s3.bucket, Key: 'headers/report.pdf' }));
    expect(TagSet).toEqual([
      { Key: 'project', Value: 'Zürich 2024' },
      { Key: 'cost:center', Value: 'a+b=c/d@e' },
    ]);

    await put({ key: 'headers/sse-s3.txt', text: 'x', serverSideEncryption: 'AES256' });
    expect((await head('headers/sse-s3.txt')).ServerSideEncryption).toBe('AES256');
  });

  it('refuses a KMS key without KMS encryption, and tags S3 would reject', async () => {
    await expect(put({ key: 'h/x.txt', text: 'x', kmsKeyId: 'alias/k' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/serverSideEncryption', message: expect.stringContaining('Missing required `serverSideEncryption`') });
    await expect(put({ key: 'h/x.txt', text: 'x', kmsKeyId: 'alias/k', serverSideEncryption: 'AES256' })).rejects.toMatchObject({
      field: '/serverSideEncryption',
      message: 'Expected one of "aws:kms", "aws:kms:dsse" for `serverSideEncryption` but received "AES256".',
    });
    await expect(put({ key: 'h/x.txt', text: 'x', tags: { 'bad*name': '1' } })).rejects.toMatchObject({
      field: '/tags/bad*name',
      message: 'Expected a tag name of letters, digits, spaces and + - = . _ : / @ but received "bad*name".',
    });
    await expect(put({ key: 'h/x.txt', text: 'x', tags: { 'aws:owner': '1' } })).rejects.toMatchObject({ field: '/tags/aws:owner' });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v']));
    await expect(put({ key: 'h/x.txt', text: 'x', tags: eleven })).rejects.toMatchObject({ code: 'InvalidInput', field: '/tags' });
  });
});

describe('put refuses what it cannot write, and leaves nothing behind', () => {
  it('asks for exactly one content source', async () => {
    await expect(put({ key: 'x.txt' })).rejects.toMatchObject({
      code: 'InvalidInput',
      message: 'Expected exactly one of `text`, `base64`, `json`, `file` but received none.',
    });
    await expect(put({ key: 'x.txt', text: 'a', base64: 'YQ==' })).rejects.toMatchObject({
      code: 'InvalidInput',
      message: 'Expected exactly one of `text`, `base64`, `json`, `file` but received `text` and `base64`.',
    });
  });

  it('refuses base64 that is not base64, naming the character', async () => {
    await expect(put({ key: 'x.bin', base64: 'SGVsbG8*' })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/base64',
      message: 'Expected base64 for `base64` but received a character "*" at position 7 that base64 does not use. Use `text` for plain text.',
    });
  });

  it('asks for the host file store before any network call when a file is given without one', async () => {
    const net = watchNetwork();
    try {
      await expect(put({ key: 'f.bin', file: { id: 'abc', name: 'f.bin' } })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/file',
        message: expect.stringContaining("needs the host's file store, and this host gave none"),
      });
    } finally {
      net.stop();
    }
    expect(net.requests).toEqual([]);
  });

  it('says which file the store could not open', async () => {
    await expect(put({ key: 'f.bin', file: { id: 'gone-42', name: 'photo.jpg' } }, { files: memoryFiles() })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/file',
      message: 'The host\'s file store could not open `file` "photo.jpg" (id gone-42): No file with id "gone-42" in this store. Pass a file the host\'s file store holds, such as the `file` that `get` returns with `as` "file".',
    });
  });

  it('quotes a host reason that ends its own sentence without doubling the period', async () => {
    const files: FileStore = { write: (file) => memoryFiles().write(file), read: () => Promise.reject(new Error('"/tmp/logo.svg" is not the id of a file in this store.')) };
    const error = (await put({ key: 'f.svg', file: { id: '/tmp/logo.svg', name: 'logo.svg' } }, { files }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('The host\'s file store could not open `file` "logo.svg" (id /tmp/logo.svg): "/tmp/logo.svg" is not the id of a file in this store. Pass a file the host\'s file store holds, such as the `file` that `get` returns with `as` "file".');
  });

  it('writes nothing when the file breaks mid-stream, and aborts the multipart upload', async () => {
    await expect(put({ key: 'broken/file.bin', file: { id: 'x', name: 'file.bin' } }, { files: failingFiles(20 * MiB) })).rejects.toMatchObject({
      code: 'ServerError',
      retryable: false,
      message: 'Reading the file `file` "file.bin" failed before the upload finished (EIO: i/o error, read), so nothing was written to "broken/file.bin". Check that the file still exists in the host\'s file store, then run the step again.',
    });
    await expect(head('broken/file.bin')).rejects.toMatchObject({ name: 'NotFound' });
    expect(await uploadsInProgress()).toEqual([]);
  });

  it('stops a multipart upload promptly when the run is cancelled, and leaves no parts', async () => {
    const controller = new AbortController();
    const files = memoryFiles();
    const ref = await files.add('big.bin', randomBytes(48 * MiB));
    let started = 0;
    let before: unknown[] = [];
    let cancelling = false;
    const run = put({ key: 'cancelled/big.bin', file: ref }, {
      files,
      signal: controller.signal,
      progress: (p) => {
        // Cancel once the first part is in S3, after seeing that the upload exists.
        if (p.done >= 8 * MiB && !cancelling) {
          cancelling = true;
          void uploadsInProgress().then((uploads) => {
            before = uploads;
            started = Date.now();
            controller.abort();
          });
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'Aborted', retryable: false, message: 'The run was cancelled.' });
    expect(before).toEqual([expect.objectContaining({ Key: 'cancelled/big.bin' })]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await uploadsInProgress()).toEqual([]);
    await expect(head('cancelled/big.bin')).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses to overwrite with ifNotExists, in one PUT or in parts, and keeps what was there', async () => {
    const message = (key: string) => `Object "${key}" already exists, and \`ifNotExists\` refused to replace it. Choose another key, or turn \`ifNotExists\` off to overwrite it.`;
    expect(await put({ key: 'once/a.txt', text: 'first', ifNotExists: true })).toMatchObject({ key: 'once/a.txt' });
    await expect(put({ key: 'once/a.txt', text: 'second', ifNotExists: true })).rejects.toMatchObject({ code: 'Conflict', retryable: false, message: message('once/a.txt') });
    expect((await get({ key: 'once/a.txt', as: 'text' })).text).toBe('first');

    const files = memoryFiles();
    const big = await files.add('big.bin', randomBytes(9 * MiB));
    await put({ key: 'once/big.bin', base64: 'AAEC' });
    await expect(put({ key: 'once/big.bin', file: big, ifNotExists: true }, { files })).rejects.toMatchObject({ code: 'Conflict', message: message('once/big.bin') });
    expect((await get({ key: 'once/big.bin', as: 'base64' })).base64).toBe('AAEC');
    expect(await uploadsInProgress()).toEqual([]);
  });
});

describe('put against answers only AWS gives', () => {
  const net = useNock();

  it('answers Conflict when ifNotExists meets an existing object', async () => {
    nock(BUCKET_ORIGIN)
      .put('/reports/a.csv')
      .query(true)
      .matchHeader('if-none-match', '*')
      .reply(412, awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' }), awsHeaders());
    await expect(actions.put!({ key: 'reports/a.csv', text: 'a,b', ifNotExists: true }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'Conflict',
      retryable: false,
      message: 'Object "reports/a.csv" already exists, and `ifNotExists` refused to replace it. Choose another key, or turn `ifNotExists` off to overwrite it.',
    });
    expect(net.unmatched).toEqual([]);
  });

  it('checks ifNotExists on a multipart upload too, and aborts it on Conflict', async () => {
    const files = memoryFiles();
    const ref = await files.add('big.bin', randomBytes(9 * MiB));
    const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    nock(BUCKET_ORIGIN)
      .post('/reports/big.bin')
      .query((q) => 'uploads' in q)
      .reply(200, xml('<InitiateMultipartUploadResult><Bucket>test-bucket</Bucket><Key>reports/big.bin</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>'), awsHeaders())
      .put('/reports/big.bin')
      .query((q) => q.uploadId === 'up-1')
      .times(2)
      .reply(200, '', awsHeaders({ etag: '"part"' }))
      .post('/reports/big.bin')
      .query((q) => q.uploadId === 'up-1')
      .matchHeader('if-none-match', '*')
      .reply(412, awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'), awsHeaders())
      .delete('/reports/big.bin')
      .query((q) => q.uploadId === 'up-1')
      .reply(204, '', awsHeaders());
    await expect(actions.put!({ key: 'reports/big.bin', file: ref, ifNotExists: true }, { connection: awsConnection(), files })).rejects.toMatchObject({
      code: 'Conflict',
      message: expect.stringContaining('already exists, and `ifNotExists` refused to replace it'),
    });
  });

  it('names s3:PutObject when the credentials may not write', async () => {
    nock(BUCKET_ORIGIN).put('/private/a.txt').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.put!({ key: 'private/a.txt', text: 'x' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('lack s3:PutObject on arn:aws:s3:::test-bucket/private/a.txt'),
    });
  });
});
