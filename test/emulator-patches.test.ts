/**
 * The three defects of @20minutes/s3rver 5.0.0 that patches/ fixes, each tested for what a client sees,
 * the atomic writes, S3's multipart dates and the Content-MD5 checks the patch adds, and the promise that hosts installing the
 * published package never run the patch step.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import { useEmulator } from './helpers/emulator.js';
import { rawClient } from './helpers/seed.js';

const root = join(import.meta.dirname, '..');
const s3 = useEmulator({ buckets: ['paged', 'odd-keys'] });

let client: S3Client;
beforeAll(() => {
  client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS }, maxAttempts: 1 });
});
afterAll(() => client.destroy());

/** SHA-256 (and HMAC-SHA-256 when given a secret) from node:crypto, in the shape SignatureV4 wants. */
class Sha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not needed');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** A ListObjectsV2 request for a path we choose, SigV4-signed by hand and sent with fetch. */
async function signedList(path: string, secretAccessKey: string = EMULATOR_CREDENTIALS.secretAccessKey): Promise<Response> {
  const url = new URL(s3.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: EMULATOR_CREDENTIALS.accessKeyId, secretAccessKey },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const emptyBody = createHash('sha256').digest('hex');
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    query: { 'list-type': '2' },
    headers: { host: url.host, 'x-amz-content-sha256': emptyBody },
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(`${s3.endpoint}${path}?list-type=2`, { headers });
}

describe('the patch step', () => {
  it('has patched the installed emulator (run `npx patch-package` if this fails)', () => {
    const lib = join(root, 'node_modules', '@20minutes', 's3rver', 'lib');
    expect(readFileSync(join(lib, 'middleware', 'authentication.js'), 'utf8')).toContain('Patched:');
    expect(readFileSync(join(lib, 'controllers', 'bucket.js'), 'utf8')).toContain('aes-128-cbc');
    expect(readFileSync(join(lib, 's3rver.js'), 'utf8')).toContain('Patched:');
  });

  it('runs only for developers: never on a host\'s install of the published package', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      files: string[];
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    // npm runs `prepare` in a git checkout, never for a package installed from the registry.
    expect(pkg.scripts.prepare).toBe('patch-package');
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[hook], hook).toBeUndefined();
    expect(pkg.devDependencies['patch-package']).toBeDefined();
    expect(pkg.devDependencies['@20minutes/s3rver']).toBe('5.0.0'); // the patch is for this exact version
    expect(pkg.dependencies['patch-package']).toBeUndefined();
    expect(pkg.dependencies['@20minutes/s3rver']).toBeUndefined();
    expect(pkg.files).not.toContain('patches');
  });
});

describe('defect 1: a path-style bucket request with a trailing slash', () => {
  it('passes signature checking when signed as "/bucket/"', async () => {
    const response = await signedList(`/${s3.bucket}/`);
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(body).toContain(`<Name>${s3.bucket}</Name>`);
  });

  it('still passes without the slash', async () => {
    expect((await signedList(`/${s3.bucket}`)).status).toBe(200);
  });

  it('still refuses a request signed with the wrong secret', async () => {
    const response = await signedList(`/${s3.bucket}/`, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEYX');
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('defect 2: paged listing with continuation tokens', () => {
  const keys = Array.from({ length: 7 }, (_, i) => `page/object-${i}.txt`);

  beforeAll(async () => {
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'paged', Key: key, Body: key }));
  });

  it('follows every page to the end, with no HTTP 500', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: 'paged', MaxKeys: 3, ...(token ? { ContinuationToken: token } : {}) }));
      pages++;
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(token).toBeTruthy();
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(keys);
  });
});

describe("defect 3: keys with XML's special characters", () => {
  const oddKeys = ['a & b.txt', '<tag>.txt', "it's.txt", 'say "hi".txt', '1 > 0 & 0 < 1.txt'];

  beforeAll(async () => {
    for (const key of oddKeys) await client.send(new PutObjectCommand({ Bucket: 'odd-keys', Key: key, Body: 'x' }));
  });

  it('comes back from ListObjectsV2 exactly as written, not double-escaped', async () => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'odd-keys' }));
    expect((page.Contents ?? []).map((o) => o.Key).sort()).toEqual([...oddKeys].sort());
  });

  it('comes back exactly as the prefix of a listing', async () => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'odd-keys', Prefix: 'a & ' }));
    expect(page.Prefix).toBe('a & ');
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual(['a & b.txt']);
  });

  it('comes back exactly in an error about a missing key', async () => {
    const error = await client.send(new GetObjectCommand({ Bucket: 'odd-keys', Key: 'gone & <lost>.txt' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NoSuchKey', Key: 'gone & <lost>.txt' });
  });
});

describe('an upload cut off mid-body', () => {
  it('leaves the previous object whole, as S3 does, instead of a partial one', async () => {
    const writer = rawClient(s3.endpoint);
    const before = randomBytes(256 * 1024);
    await writer.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'atomic/photo.bin', Body: before }));

    // 1 MiB of an announced 8 MiB arrives, then the client gives up.
    const body = new Readable({ read() {} });
    body.push(randomBytes(1024 * 1024));
    const controller = new AbortController();
    const cut = writer.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'atomic/photo.bin', Body: body, ContentLength: 8 * 1024 * 1024 }), {
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(), 300);
    await expect(cut).rejects.toMatchObject({ name: 'AbortError' });
    // The emulator learns of the cut a moment later; give it the time to (wrongly) write.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const after = await writer.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'atomic/photo.bin' }));
    expect(Buffer.from(await after.Body!.transformToByteArray()).equals(before)).toBe(true);
    const listed = await writer.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'atomic/' }));
    expect((listed.Contents ?? []).map((o) => [o.Key, o.Size])).toEqual([['atomic/photo.bin', before.length]]);
    writer.destroy();
  });
});

describe('a completed multipart upload', () => {
  it('is dated from when the upload was initiated, as S3 dates it, not from its completion', async () => {
    const key = 'multipart/dated.bin';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: 'multipart/' }));
    const initiated = listed.Uploads?.find((u) => u.UploadId === UploadId)?.Initiated;
    expect(initiated).toBeInstanceOf(Date);
    // Completed in a later second than it was started.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const part = await client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: 'the only part' }));
    const completedAt = Date.now();
    await client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));

    const wholeSecond = Math.floor(initiated!.getTime() / 1000) * 1000;
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'multipart/' }));
    expect(page.Contents?.map((o) => [o.Key, o.LastModified?.getTime()])).toEqual([[key, wholeSecond]]);
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head.LastModified?.getTime()).toBe(wholeSecond);
    expect(head.LastModified!.getTime()).toBeLessThan(Math.floor(completedAt / 1000) * 1000);
  });
});

describe('a body that does not match its Content-MD5', () => {
  const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

  it('is refused with BadDigest and stores nothing, as S3 does; a matching one is stored', async () => {
    const body = randomBytes(64 * 1024);
    const wrong = md5(Buffer.concat([body, Buffer.from('x')]));
    await expect(client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'digest/photo.bin', Body: body, ContentMD5: wrong }))).rejects.toMatchObject({
      name: 'BadDigest',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'digest/photo.bin' }))).rejects.toMatchObject({ name: 'NoSuchKey' });

    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'digest/photo.bin', Body: body, ContentMD5: md5(body) }));
    const stored = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'digest/photo.bin' }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('fails a multipart part the same way', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: 'digest/parts.bin' }));
    const part = randomBytes(32 * 1024);
    await expect(
      client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'digest/parts.bin', UploadId, PartNumber: 1, Body: part, ContentMD5: md5(randomBytes(8)) })),
    ).rejects.toMatchObject({ name: 'BadDigest' });
    await expect(client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: 'digest/parts.bin', UploadId, PartNumber: 1, Body: part, ContentMD5: md5(part) }))).resolves.toMatchObject({
      ETag: `"${createHash('md5').update(part).digest('hex')}"`,
    });
    await client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: 'digest/parts.bin', UploadId }));
  });
});
