import { randomBytes } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client, type S3Client as Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import inputSchema from '../schemas/actions/presign.input.json';
import outputSchema from '../schemas/actions/presign.output.json';
import { EMULATOR_CREDENTIALS } from '../src/emulator.js';
import type { PresignOutput } from '../src/generated/actions/presign.output.js';
import { actions } from '../src/index.js';
import { MAX_PRESIGN_SECONDS } from '../src/limits.js';
import { validator } from '../src/validate.js';
import { useEmulator } from './helpers/emulator.js';
import { watchNetwork } from './helpers/network.js';
import { rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const checkOutput = validator<PresignOutput>(outputSchema);

let raw: Client;
beforeAll(() => {
  raw = rawClient(s3.endpoint);
});
afterAll(() => raw.destroy());

async function presign(input: Record<string, unknown>, connection: Record<string, unknown> = {}, signal?: AbortSignal): Promise<PresignOutput> {
  return checkOutput(await actions.presign!(input, { connection: s3.connection(connection), ...(signal ? { signal } : {}) }));
}
const CHECKSUM_PARAMS = /x-amz-checksum-|x-amz-sdk-checksum-algorithm/i;

describe('presign', () => {
  it('creates a GET URL that fetch() downloads byte-exact, for a key with unicode, spaces and + & = ? #', async () => {
    const bytes = randomBytes(70_000);
    const key = 'shared/Bericht März+Q1 & Q2=?#.bin';
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `tenant/${key}`, Body: bytes }));
    const before = Date.now();
    const output = await presign({ key }, { basePath: 'tenant/' });
    expect(output).toMatchObject({ key, method: 'GET', headers: {} });
    expect(Math.abs(Date.parse(output.expiresAt) - (before + 3600_000))).toBeLessThan(5000);
    const response = await fetch(output.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('creates a PUT URL that takes a real body, with no checksum of an empty body in it', async () => {
    // The SDK's own default (WHEN_SUPPORTED, what AWS connections use) signs CRC32("") = AAAAAA== into the URL.
    // (A copy of the keys: the SDK writes a `$source` marker into the credentials object it is given.)
    const sdkDefault = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    const hazard = await getSignedUrl(sdkDefault, new PutObjectCommand({ Bucket: s3.bucket, Key: 'x' }), { expiresIn: 60 });
    sdkDefault.destroy();
    expect(hazard).toContain('x-amz-checksum-crc32=AAAAAA%3D%3D');

    for (const checksums of ['whenSupported', 'whenRequired']) {
      const key = `uploads/${checksums}.bin`;
      const output = await presign({ key, method: 'PUT' }, { checksums });
      expect(output.url).not.toMatch(CHECKSUM_PARAMS);
      const bytes = randomBytes(50_000);
      const response = await fetch(output.url, { method: 'PUT', body: bytes });
      expect(response.status).toBe(200);
      const stored = await actions.get!({ key, as: 'base64' }, { connection: s3.connection() });
      expect(Buffer.from((stored as { base64: string }).base64, 'base64').equals(bytes)).toBe(true);
    }
  });

  it('signs a PUT URL with its Content-Type, returned as a header the uploader must send', async () => {
    const output = await presign({ key: 'uploads/photo.png', method: 'PUT', contentType: 'image/png' });
    expect(output.headers).toEqual({ 'Content-Type': 'image/png' });
    const refused = await fetch(output.url, { method: 'PUT', body: 'not a png', headers: { 'Content-Type': 'text/plain' } });
    expect(refused.status).toBe(403);
    const accepted = await fetch(output.url, { method: 'PUT', body: randomBytes(100), headers: output.headers as Record<string, string> });
    expect(accepted.status).toBe(200);
    expect((await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'uploads/photo.png' }))).ContentType).toBe('image/png');
  });

  it('makes a GET URL download under the name given, in any script', async () => {
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'exports/r.pdf', Body: '%PDF' }));
    const output = await presign({ key: 'exports/r.pdf', downloadName: 'Rapport été.pdf' });
    const response = await fetch(output.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="Rapport _t_.pdf"; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf`);
  });

  it("enforces S3's 7-day maximum expiry", async () => {
    expect(inputSchema.properties.expiresIn.maximum).toBe(MAX_PRESIGN_SECONDS);
    await expect(presign({ key: 'a.txt', expiresIn: MAX_PRESIGN_SECONDS + 1 })).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/expiresIn',
      message: 'Expected integer between 1 and 604800 for `expiresIn` but received 604801.',
    });
    const longest = await presign({ key: 'a.txt', expiresIn: MAX_PRESIGN_SECONDS });
    expect(new URL(longest.url).searchParams.get('X-Amz-Expires')).toBe('604800');
  });

  it('signs locally, without a network call', async () => {
    const net = watchNetwork();
    try {
      await presign({ key: 'a.txt' });
      await presign({ key: 'a.txt', method: 'PUT' });
    } finally {
      net.stop();
    }
    expect(net.requests).toEqual([]);
  });

  it('refuses a key outside the base path, and answers Aborted for a cancelled run', async () => {
    await expect(presign({ key: '../other/a.txt' }, { basePath: 'tenant' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/key' });
    const controller = new AbortController();
    controller.abort();
    await expect(presign({ key: 'a.txt' }, {}, controller.signal)).rejects.toMatchObject({ code: 'Aborted' });
  });
});
