/**
 * Transfers that are verified, or fail: what a user sees when a body is cut or corrupted on its
 * way, what uploads send for S3 to check, what a failed abort leaves, and the clean-up action.
 * Faults come from the loopback fault proxy between the SDK and the emulator.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FileStore } from '../src/contract.js';
import { digestOf } from '../src/integrity.js';
import { actions } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { startFaultProxy, type Fault, type FaultProxy, type Framing, type ProxiedRequest } from './helpers/fault-proxy.js';
import { memoryFiles } from './helpers/files.js';
import { rawClient } from './helpers/seed.js';

const directory = mkdtempSync(join(tmpdir(), 's3-connector-integrity-'));
const s3 = useEmulator({ directory });
const MiB = 1024 * 1024;

let raw: S3Client;
let proxy: FaultProxy | undefined;
beforeAll(() => {
  raw = rawClient(s3.endpoint);
});
afterAll(() => raw.destroy());
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** A proxy applying `rule`; connections through it get their own client (attempt count) so no socket is shared. */
async function through(rule: (request: ProxiedRequest) => Fault | undefined, framing: Framing = 'length') {
  proxy = await startFaultProxy({ upstreamPort: Number(new URL(s3.endpoint).port), framing, rule });
  return proxy;
}
let distinct = 0;
const viaProxy = (overrides: Record<string, unknown> = {}) => s3.connection({ endpoint: proxy!.endpoint, connectTimeoutMs: 1000 + (distinct++ % 1000), ...overrides });

const bytesOf = async (key: string) => Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
const uploadsUnder = async (prefix: string) => (await raw.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: prefix }))).Uploads ?? [];
const once = (fault: Fault, when: (r: ProxiedRequest) => boolean) => {
  let used = false;
  return (r: ProxiedRequest) => (!used && when(r) ? ((used = true), fault) : undefined);
};
const isGet = (r: ProxiedRequest) => r.method === 'GET' && !r.path.includes('list-type');
const isPart = (r: ProxiedRequest) => r.method === 'PUT' && r.path.includes('partNumber=');
const isAbort = (r: ProxiedRequest) => r.method === 'DELETE' && r.path.includes('uploadId=');

describe('a download that does not arrive whole', () => {
  const body = randomBytes(300_000);
  beforeAll(async () => {
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'dl/photo.bin', Body: body }));
  });

  it.each(['length', 'chunked', 'close'] as const)('is an error when cut short (%s framing), never a short success', async (framing) => {
    await through(once({ kind: 'cutResponse', afterBodyBytes: 100_000, how: 'close' }, isGet), framing);
    const error = await actions.get!({ key: 'dl/photo.bin', as: 'base64' }, { connection: viaProxy({ maxAttempts: 1 }) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'Network', retryable: true });
    expect((error as Error).message).toMatch(/was cut (off|short)/);
    expect((error as Error).message).toMatch(/so nothing was returned/);
  });

  it('says how much arrived when the connection was cut, where it counts the body (`verify`)', async () => {
    await through(once({ kind: 'cutResponse', afterBodyBytes: 100_000, how: 'reset' }, isGet));
    await expect(actions.get!({ key: 'dl/photo.bin', as: 'text', verify: true }, { connection: viaProxy() })).rejects.toMatchObject({
      code: 'Network',
      message: 'The download of "dl/photo.bin" was cut off (ECONNRESET): 100000 of 300000 bytes arrived, so nothing was returned. Run the step again.',
      details: { reason: 'Truncated', expectedBytes: 300_000, receivedBytes: 100_000 },
    });
  });

  it('is an error, with `verify`, when a byte is corrupted on its way, naming the digest it failed', async () => {
    await through(once({ kind: 'corrupt', atBodyByte: 4242 }, isGet));
    const md5 = createHash('md5').update(body).digest('hex');
    await expect(actions.get!({ key: 'dl/photo.bin', as: 'base64', verify: true }, { connection: viaProxy() })).rejects.toMatchObject({
      code: 'Network',
      retryable: true,
      message: expect.stringContaining(`does not match its ETag (the MD5 of an object written in one request): expected MD5 ${md5} but received`) as unknown,
      details: { reason: 'ChecksumMismatch', algorithm: 'md5', expected: md5 },
    });
  });

  it('passes a corrupted body of the right length without `verify` (the default): the switch is real', async () => {
    await through(once({ kind: 'corrupt', atBodyByte: 4242 }, isGet));
    const out = (await actions.get!({ key: 'dl/photo.bin', as: 'base64' }, { connection: viaProxy() })) as { base64: string };
    const got = Buffer.from(out.base64, 'base64');
    expect(got.length).toBe(body.length);
    expect(got.equals(body)).toBe(false);
  });

  it('confirms an answer with no length against the object\'s size, and reads it whole', async () => {
    await through(() => undefined, 'close');
    const out = (await actions.get!({ key: 'dl/photo.bin', as: 'base64', verify: false }, { connection: viaProxy() })) as { base64: string };
    expect(Buffer.from(out.base64, 'base64').equals(body)).toBe(true);
    expect(proxy!.log.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });

  it('never hands on a FileRef, even from a store that resolves although the body failed', async () => {
    await through(once({ kind: 'cutResponse', afterBodyBytes: 64 * 1024, how: 'close' }, isGet), 'close');
    const files = memoryFiles();
    await expect(actions.get!({ key: 'dl/photo.bin', as: 'file' }, { connection: viaProxy({ maxAttempts: 1 }), files })).rejects.toMatchObject({ code: 'Network' });
    expect(files.refs).toEqual([]);

    // A careless store: reads what it is given, ignores errors, resolves with a ref.
    const careless: FileStore = {
      write: ({ data }) =>
        new Promise((resolve) => {
          const stream = data as NodeJS.ReadableStream;
          stream.on('data', () => {});
          stream.on('error', () => resolve({ id: 'partial', name: 'photo.bin' }));
          stream.on('end', () => resolve({ id: 'whole', name: 'photo.bin' }));
        }),
      read: () => Promise.reject(new Error('unused')),
    };
    await through(once({ kind: 'corrupt', atBodyByte: 10 }, isGet));
    await expect(actions.get!({ key: 'dl/photo.bin', as: 'file', verify: true }, { connection: viaProxy(), files: careless })).rejects.toMatchObject({
      code: 'Network',
      details: { reason: 'ChecksumMismatch' },
    });
  });

  it('does not take an SSE-KMS or SSE-C ETag, or a range, for an MD5', () => {
    const etag = `"${'a'.repeat(32)}"`;
    expect(digestOf({ ETag: etag })).toMatchObject({ algorithm: 'md5' });
    expect(digestOf({ ETag: etag, ServerSideEncryption: 'aws:kms' })).toBeUndefined();
    expect(digestOf({ ETag: etag, SSECustomerAlgorithm: 'AES256' })).toBeUndefined();
    expect(digestOf({ ETag: etag, ContentRange: 'bytes 0-9/100' })).toBeUndefined();
    expect(digestOf({ ETag: `"${'a'.repeat(32)}-3"` })).toBeUndefined();
  });
});

describe('digests recorded in metadata', () => {
  it('stores a SHA-256 with `storeHash`, so a multipart object is checked whole too', async () => {
    const files = memoryFiles();
    const content = randomBytes(12 * MiB);
    const ref = await files.add('big.bin', content);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const put = await actions.put!({ key: 'hashed/big.bin', file: ref, storeHash: true }, { connection: s3.connection(), files });
    expect(put).toMatchObject({ sha256, size: content.length });
    expect((await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'hashed/big.bin' }))).Metadata).toMatchObject({ 'content-sha256': sha256 });

    await through(once({ kind: 'corrupt', atBodyByte: 9 * MiB }, isGet));
    await expect(actions.get!({ key: 'hashed/big.bin', as: 'file', verify: true }, { connection: viaProxy(), files })).rejects.toMatchObject({
      code: 'Network',
      message: expect.stringContaining('does not match its SHA-256 recorded in metadata (x-amz-meta-content-sha256)') as unknown,
    });
    const whole = (await actions.get!({ key: 'hashed/big.bin', as: 'file' }, { connection: viaProxy(), files })) as { file: { id: string; name: string } };
    expect((await files.bytes(whole.file)).equals(content)).toBe(true);
  });

  it('hashes text, and a small file, from memory', async () => {
    const files = memoryFiles();
    const ref = await files.add('small.txt', Buffer.from('hello'));
    const sha = createHash('sha256').update('hello').digest('hex');
    await expect(actions.put!({ key: 'hashed/a.txt', text: 'hello', storeHash: true }, { connection: s3.connection() })).resolves.toMatchObject({ sha256: sha });
    await expect(actions.put!({ key: 'hashed/b.txt', file: ref, storeHash: true }, { connection: s3.connection(), files })).resolves.toMatchObject({ sha256: sha });
  });

  it('refuses a hand-written content-sha256 beside `storeHash`', async () => {
    await expect(actions.put!({ key: 'hashed/c.txt', text: 'x', storeHash: true, metadata: { 'Content-SHA256': 'abc' } }, { connection: s3.connection() })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/metadata/content-sha256',
    });
  });

  it("checks rclone's md5chksum", async () => {
    const content = randomBytes(50_000);
    const md5chksum = createHash('md5').update(content).digest('base64');
    // As rclone writes it: a multipart-style ETag, and the MD5 in metadata.
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'rclone/file.bin', Body: content, Metadata: { md5chksum } }));
    await through(once({ kind: 'corrupt', atBodyByte: 7 }, isGet));
    await expect(actions.get!({ key: 'rclone/file.bin', as: 'base64', verify: true }, { connection: viaProxy() })).rejects.toMatchObject({
      message: expect.stringContaining('its MD5 recorded in metadata by rclone (x-amz-meta-md5chksum)') as unknown,
    });
  });
});

describe('uploads S3 checks', () => {
  it('sends Content-MD5 from memory, so a body corrupted on its way is refused and the old object stays', async () => {
    await actions.put!({ key: 'up/note.txt', text: 'the original' }, { connection: s3.connection() });
    await through(once({ kind: 'corruptRequest', atBodyByte: 3 }, (r) => r.method === 'PUT'));
    const error = await actions.put!({ key: 'up/note.txt', text: 'the replacement' }, { connection: viaProxy() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Network', retryable: true, details: { awsCode: 'BadDigest', httpStatus: 400 } });
    expect((error as Error).message).toBe(
      `The upload of "up/note.txt" in bucket "${s3.bucket}" was corrupted on its way: ${new URL(proxy!.endpoint).host} computed another checksum than the one sent (BadDigest), and stored nothing. Run the step again.`,
    );
    expect(proxy!.log[0]!.headers['content-md5']).toBe(createHash('md5').update('the replacement').digest('base64'));
    expect((await bytesOf('up/note.txt')).toString()).toBe('the original');
  });

  it.each([
    ['text', () => ({ text: 'small and retried' })],
    ['a small file', async (files: ReturnType<typeof memoryFiles>) => ({ file: await files.add('s.txt', Buffer.from('small and retried')) })],
  ] as const)('recovers from a 500 on the first attempt of a small put of %s, unseen by the user', async (_what, content) => {
    const files = memoryFiles();
    await through(once({ kind: 'status', status: 500, code: 'InternalError' }, (r) => r.method === 'PUT'));
    await expect(actions.put!({ key: 'up/retried.txt', ...(await content(files)) }, { connection: viaProxy(), files })).resolves.toMatchObject({ size: 17 });
    expect(proxy!.log.map((r) => `${r.method}${r.fault ? ` ${r.fault}` : ''}`)).toEqual(['PUT status', 'PUT']);
    expect((await bytesOf('up/retried.txt')).toString()).toBe('small and retried');
  });
});

describe('a multipart upload that fails', () => {
  const files = memoryFiles();
  let big: Awaited<ReturnType<typeof files.add>>;
  beforeAll(async () => {
    big = await files.add('big.bin', randomBytes(17 * MiB));
  });

  it('stops its other parts, reports its own error, and is aborted on a later try when the first aborts fail', async () => {
    let aborts = 0;
    await through((r) => {
      if (isPart(r) && r.path.includes('partNumber=2')) return { kind: 'status', status: 500, code: 'InternalError' };
      if (isAbort(r) && aborts++ < 2) return { kind: 'status', status: 503, code: 'SlowDown' };
      return undefined;
    });
    const error = await actions.put!({ key: 'mp/aborted.bin', file: big }, { connection: viaProxy({ maxAttempts: 1 }), files }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ServerError', details: { awsCode: 'InternalError', httpStatus: 500 } });
    expect((error as { details: object }).details).not.toHaveProperty('incompleteUpload');
    expect(proxy!.log.filter(isAbort).map((r) => r.fault ?? 'forwarded')).toEqual(['status', 'status', 'forwarded']);
    expect(await uploadsUnder('mp/aborted')).toEqual([]);
  });

  it('names an upload whose abort failed every time in details, and "Clean up incomplete uploads" removes it', async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => logged.push(msg), error() {} };
    await through((r) => (isPart(r) && r.path.includes('partNumber=2')) || isAbort(r) ? { kind: 'status', status: 500, code: 'InternalError' } : undefined);
    const error = (await actions.put!({ key: 'mp/orphan.bin', file: big }, { connection: viaProxy({ maxAttempts: 1 }), files, logger }).catch((e: unknown) => e)) as {
      code: string;
      message: string;
      details: { awsCode: string; incompleteUpload: { uploadId: string; key: string; abortError: string; attempts: number } };
    };
    expect(error.code).toBe('ServerError'); // the upload's own failure, not the abort's
    expect(error.details.awsCode).toBe('InternalError');
    expect(error.details.incompleteUpload).toMatchObject({ key: 'mp/orphan.bin', abortError: 'InternalError', attempts: 3 });
    expect(error.message).toMatch(/HTTP 500 \(InternalError\)\. This is on the service's side; retry later\. Its unfinished multipart upload could not be removed either; run "Clean up incomplete uploads" later to remove it\.$/);
    expect(logged).toHaveLength(1);
    const left = await uploadsUnder('mp/orphan');
    expect(left.map((u) => u.UploadId)).toEqual([error.details.incompleteUpload.uploadId]);

    const cleaned = await actions.cleanupUploads!({ prefix: 'mp/', olderThanHours: 0 }, { connection: s3.connection() });
    expect(cleaned).toMatchObject({ aborted: [{ key: 'mp/orphan.bin', uploadId: error.details.incompleteUpload.uploadId }], errors: [], kept: 0, more: false });
    expect(await uploadsUnder('mp/')).toEqual([]);
  });
});

/** Makes an emulator upload look `hours` old (the emulator dates an upload by its key file). */
async function age(uploadId: string, hours: number): Promise<void> {
  const find = async (dir: string): Promise<string | undefined> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === uploadId) return path;
      const found = await find(path);
      if (found) return found;
    }
    return undefined;
  };
  const dir = await find(directory);
  if (!dir) throw new Error(`upload ${uploadId} not found under ${directory}`);
  const then = new Date(Date.now() - hours * 3600_000);
  await utimes(join(dir, 'key'), then, then);
}

describe('Clean up incomplete uploads', () => {
  const start = async (key: string) => (await raw.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }))).UploadId!;

  it('aborts only uploads under the prefix older than the cut-off, oldest first, and keeps the rest', async () => {
    const old1 = await start('tmp/old-1.bin');
    const old2 = await start('tmp/old-2.bin');
    const fresh = await start('tmp/fresh.bin');
    const elsewhere = await start('keep/old.bin');
    await age(old1, 48);
    await age(old2, 30);
    await age(elsewhere, 48);

    const dry = await actions.cleanupUploads!({ prefix: 'tmp/', olderThanHours: 24, dryRun: true }, { connection: s3.connection() });
    expect(dry).toMatchObject({ dryRun: true, kept: 1, aborted: [{ uploadId: old1 }, { uploadId: old2 }] });
    expect((await uploadsUnder('tmp/')).length).toBe(3);

    const done = await actions.cleanupUploads!({ prefix: 'tmp/', olderThanHours: 24, limit: 1 }, { connection: s3.connection() });
    expect(done).toMatchObject({ dryRun: false, kept: 1, more: true, aborted: [{ key: 'tmp/old-1.bin', uploadId: old1 }] });
    const again = await actions.cleanupUploads!({ prefix: 'tmp/', olderThanHours: 24 }, { connection: s3.connection() });
    expect(again).toMatchObject({ kept: 1, more: false, aborted: [{ key: 'tmp/old-2.bin', uploadId: old2 }] });
    expect((await uploadsUnder('tmp/')).map((u) => u.UploadId)).toEqual([fresh]);
    expect((await uploadsUnder('keep/')).map((u) => u.UploadId)).toEqual([elsewhere]);
  });

  it('stays inside the base path, and reports keys relative to it', async () => {
    const inside = await start('tenants/acme/tmp/x.bin');
    const outside = await start('tenants/other/tmp/x.bin');
    const done = await actions.cleanupUploads!({ olderThanHours: 0 }, { connection: s3.connection({ basePath: 'tenants/acme/' }) });
    expect(done).toMatchObject({ aborted: [{ key: 'tmp/x.bin', uploadId: inside }] });
    expect((await uploadsUnder('tenants/')).map((u) => u.UploadId)).toEqual([outside]);
  });
});
