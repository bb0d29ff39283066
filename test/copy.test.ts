import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import outputSchema from '../schemas/actions/copy.output.json';
import type { CopyOutput } from '../src/generated/actions/copy.output.js';
import { defineAction } from '../src/action.js';
import { actions } from '../src/index.js';
import { multipartCopy } from '../src/multipart-copy.js';
import { validator } from '../src/validate.js';
import { useEmulator } from './helpers/emulator.js';
import { watchNetwork } from './helpers/network.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from './helpers/nock.js';
import { rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const PHOTO = randomBytes(64 * 1024);
const ODD_KEY = "odd/a&b<c>d'e+f=g?h#i é ☕.bin";

const checkOutput = validator<CopyOutput>(outputSchema);
const copy = async (input: Record<string, unknown>, basePath?: string) =>
  checkOutput(await actions.copy!(input, { connection: s3.connection(basePath ? { basePath } : {}) }));

let client: S3Client;
const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
const bytes = async (key: string) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray());
const exists = (key: string) =>
  head(key).then(
    () => true,
    (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
  );
const put = (key: string, body: Uint8Array, extra: { ContentType?: string; Metadata?: Record<string, string>; CacheControl?: string } = {}) =>
  client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ...extra }));

beforeAll(async () => {
  client = rawClient(s3.endpoint);
  await put('photos/dog.jpg', PHOTO, { ContentType: 'image/jpeg', Metadata: { owner: 'alice' }, CacheControl: 'max-age=60' });
});
afterAll(() => client.destroy());

describe('copy', () => {
  it('copies the bytes, content type and metadata inside S3, and keeps the source', async () => {
    const output = await copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'backup/dog.jpg' });
    expect(output).toMatchObject({ key: 'backup/dog.jpg', sourceKey: 'photos/dog.jpg', size: PHOTO.length, contentType: 'image/jpeg', moved: false });
    expect(output.etag).toBe((await head('photos/dog.jpg')).ETag?.replace(/"/g, ''));
    expect(await bytes('backup/dog.jpg')).toEqual(PHOTO);
    const copied = await head('backup/dog.jpg');
    expect(copied).toMatchObject({ ContentType: 'image/jpeg', Metadata: { owner: 'alice' } });
    expect(await exists('photos/dog.jpg')).toBe(true);
  });

  it('moves: the destination has the bytes and the source is gone', async () => {
    await put('inbox/report.pdf', PHOTO, { ContentType: 'application/pdf' });
    const output = await copy({ sourceKey: 'inbox/report.pdf', destinationKey: 'archive/report.pdf', move: true });
    expect(output).toMatchObject({ key: 'archive/report.pdf', moved: true, contentType: 'application/pdf' });
    expect(await bytes('archive/report.pdf')).toEqual(PHOTO);
    expect(await exists('inbox/report.pdf')).toBe(false);
  });

  it('replaces the content type and keeps the metadata and cache control when only the type changes', async () => {
    const output = await copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'typed/dog.bin', contentType: 'application/octet-stream' });
    expect(output.contentType).toBe('application/octet-stream');
    expect(await head('typed/dog.bin')).toMatchObject({ ContentType: 'application/octet-stream', Metadata: { owner: 'alice' }, CacheControl: 'max-age=60' });
  });

  it('keeps the source\'s own KMS key when the copy rewrites its headers', async () => {
    const keyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'secret/plan.pdf', Body: PHOTO, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }));
    await copy({ sourceKey: 'secret/plan.pdf', destinationKey: 'secret/plan-v2.pdf', contentType: 'application/pdf' });
    expect(await head('secret/plan-v2.pdf')).toMatchObject({ ContentType: 'application/pdf', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId });
  });

  it('refuses with ifNotExists to replace an existing destination, and a refused move keeps its source', async () => {
    await put('drafts/plan.txt', Buffer.from('new plan'));
    await put('final/plan.txt', Buffer.from('approved plan'));
    await expect(copy({ sourceKey: 'drafts/plan.txt', destinationKey: 'final/plan.txt', ifNotExists: true, move: true })).rejects.toMatchObject({
      code: 'Conflict',
      message: '"final/plan.txt" already exists, and `ifNotExists` refused to overwrite it. Choose another destinationKey, or turn ifNotExists off to replace it.',
    });
    expect((await bytes('final/plan.txt')).toString()).toBe('approved plan');
    expect(await exists('drafts/plan.txt')).toBe(true);
  });

  it('replaces the metadata entirely and keeps the content type', async () => {
    await copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'meta/dog.jpg', metadata: { reviewer: 'bob' } });
    const copied = await head('meta/dog.jpg');
    expect(copied.ContentType).toBe('image/jpeg');
    expect(copied.Metadata).toEqual({ reviewer: 'bob' });
  });

  it('rewrites an object in place when its metadata changes', async () => {
    await put('inplace.txt', Buffer.from('same bytes'), { ContentType: 'text/plain' });
    await copy({ sourceKey: 'inplace.txt', destinationKey: 'inplace.txt', metadata: { status: 'done' } });
    expect((await head('inplace.txt')).Metadata).toEqual({ status: 'done' });
    expect((await bytes('inplace.txt')).toString()).toBe('same bytes');
  });

  it('copies and moves keys with unicode, spaces and & < > \' + = ? #', async () => {
    await put(ODD_KEY, PHOTO);
    await copy({ sourceKey: ODD_KEY, destinationKey: `copied/${ODD_KEY}` });
    expect(await bytes(`copied/${ODD_KEY}`)).toEqual(PHOTO);
    await copy({ sourceKey: `copied/${ODD_KEY}`, destinationKey: `moved/${ODD_KEY}`, move: true });
    expect(await bytes(`moved/${ODD_KEY}`)).toEqual(PHOTO);
    expect(await exists(`copied/${ODD_KEY}`)).toBe(false);
  });

  it('answers NotFound naming the missing source, and writes nothing', async () => {
    await expect(copy({ sourceKey: 'photos/cat.jpg', destinationKey: 'backup/cat.jpg' })).rejects.toMatchObject({
      code: 'NotFound',
      retryable: false,
      message: expect.stringContaining('No object "photos/cat.jpg" in bucket "test-bucket"'),
    });
    expect(await exists('backup/cat.jpg')).toBe(false);
  });

  it('stays inside the base path on both sides', async () => {
    await put('tenant/in.txt', Buffer.from('mine'));
    const output = await copy({ sourceKey: 'in.txt', destinationKey: 'copy.txt' }, 'tenant');
    expect(output).toMatchObject({ key: 'copy.txt', sourceKey: 'in.txt' });
    expect(await exists('tenant/copy.txt')).toBe(true);
    await expect(copy({ sourceKey: 'in.txt', destinationKey: '../stolen.txt' }, 'tenant')).rejects.toMatchObject({ code: 'InvalidInput', field: '/destinationKey' });
    await expect(copy({ sourceKey: '../photos/dog.jpg', destinationKey: 'dog.jpg' }, 'tenant')).rejects.toMatchObject({ code: 'InvalidInput', field: '/sourceKey' });
  });

  it('refuses before any request a move onto itself, a copy that changes nothing, and metadata S3 cannot store', async () => {
    const net = watchNetwork();
    try {
      await expect(copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'photos/dog.jpg', move: true })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/destinationKey',
        message: expect.stringContaining('moving an object onto itself would delete it'),
      });
      await expect(copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'photos/dog.jpg' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/destinationKey' });
      await expect(copy({ sourceKey: 'photos/dog.jpg', destinationKey: 'x.jpg', metadata: { 'prénom': 'Zoé' } })).rejects.toMatchObject({
        code: 'InvalidInput',
        field: '/metadata/prénom',
      });
    } finally {
      net.stop();
    }
    expect(net.requests).toEqual([]);
    expect(await exists('photos/dog.jpg')).toBe(true);
  });
});

describe('multipart copy on the emulator', () => {
  // The action copies in parts only above 5 GiB; this drives the same code with 5 MiB parts.
  const copyInParts = defineAction({
    input: validator<{ sourceKey: string; destinationKey: string }>({
      type: 'object',
      required: ['sourceKey', 'destinationKey'],
      properties: { sourceKey: { type: 'string' }, destinationKey: { type: 'string' } },
    }),
    async run({ sourceKey, destinationKey }, ctx) {
      const source = ctx.keys.resolve(sourceKey);
      const head = await ctx.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: source }));
      return multipartCopy(ctx, {
        sourceKey,
        destinationKey,
        source,
        destination: ctx.keys.resolve(destinationKey),
        size: head.ContentLength ?? 0,
        etag: head.ETag,
        headers: { ContentType: head.ContentType, Metadata: head.Metadata },
        ifNotExists: false,
        conflictMessage: 'exists',
        partBytes: 5 * 1024 * 1024,
      });
    },
  });

  it('copies every byte in parts and writes the source\'s type and metadata', async () => {
    const big = randomBytes(12 * 1024 * 1024 + 123);
    await put('big/source.bin', big, { ContentType: 'video/mp4', Metadata: { take: '3' } });
    await copyInParts({ sourceKey: 'source.bin', destinationKey: 'copy é+.bin' }, { connection: s3.connection({ basePath: 'big' }) });
    expect((await bytes('big/copy é+.bin')).equals(big)).toBe(true);
    expect(await head('big/copy é+.bin')).toMatchObject({ ContentType: 'video/mp4', Metadata: { take: '3' }, ContentLength: big.length });
  });
});

describe('copy against answers only AWS gives', () => {
  const net = useNock();
  const GiB = 1024 ** 3;
  const headOk = (key: string, size = 1234, extra: Record<string, string> = {}) =>
    nock(BUCKET_ORIGIN)
      .head(`/${key}`)
      .reply(
        200,
        '',
        awsHeaders({ 'content-length': String(size), 'content-type': 'image/jpeg', 'x-amz-meta-owner': 'alice', etag: '"0123456789abcdef0123456789abcdef"', 'last-modified': new Date().toUTCString(), ...extra }),
      );
  const copyResult = `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>"0123456789abcdef0123456789abcdef"</ETag></CopyObjectResult>`;

  it('answers Conflict when the destination exists and ifNotExists is on', async () => {
    headOk('a.jpg');
    nock(BUCKET_ORIGIN, { reqheaders: { 'if-none-match': '*' } })
      .put('/b.jpg')
      .query(true)
      .reply(412, awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' }), awsHeaders());
    await expect(actions.copy!({ sourceKey: 'a.jpg', destinationKey: 'b.jpg', ifNotExists: true, move: true }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'Conflict',
      retryable: false,
      message: '"b.jpg" already exists, and `ifNotExists` refused to overwrite it. Choose another destinationKey, or turn ifNotExists off to replace it.',
    });
    // No DeleteObject was scripted: a refused move keeps its source.
    expect(net.unmatched).toEqual([]);
  });

  it('names s3:GetObject on the source and s3:PutObject on the destination when the copy is denied', async () => {
    headOk('team/a.jpg');
    nock(BUCKET_ORIGIN).put('/team/b.jpg').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.copy!({ sourceKey: 'a.jpg', destinationKey: 'b.jpg' }, { connection: awsConnection({ basePath: 'team' }) })).rejects.toMatchObject({
      code: 'AccessDenied',
      retryable: false,
      message: expect.stringContaining('a copy needs s3:GetObject on arn:aws:s3:::test-bucket/team/a.jpg and s3:PutObject on arn:aws:s3:::test-bucket/team/b.jpg'),
    });
  });

  it('names s3:GetObject when the source may not be read', async () => {
    nock(BUCKET_ORIGIN).head('/a.jpg').reply(403, '', awsHeaders());
    await expect(actions.copy!({ sourceKey: 'a.jpg', destinationKey: 'b.jpg' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('lack s3:GetObject on arn:aws:s3:::test-bucket/a.jpg'),
    });
  });

  it('says the copy is done but the source stays when a move may not delete it', async () => {
    headOk('a.jpg');
    nock(BUCKET_ORIGIN).put('/b.jpg').query(true).reply(200, copyResult, awsHeaders());
    nock(BUCKET_ORIGIN).delete('/a.jpg').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.copy!({ sourceKey: 'a.jpg', destinationKey: 'b.jpg', move: true }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringMatching(/^Copied "a\.jpg" to "b\.jpg", but could not delete "a\.jpg" to complete the move: .*lack s3:DeleteObject on arn:aws:s3:::test-bucket\/a\.jpg/),
      details: expect.objectContaining({ copied: true }),
    });
  });

  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const taggingOk = (key: string, tags: Record<string, string>) =>
    nock(BUCKET_ORIGIN)
      .get(`/${key}`)
      .query({ tagging: '' })
      .reply(
        200,
        `<?xml version="1.0" encoding="UTF-8"?><Tagging><TagSet>${Object.entries(tags).map(([k, v]) => `<Tag><Key>${xml(k)}</Key><Value>${xml(v)}</Value></Tag>`).join('')}</TagSet></Tagging>`,
        awsHeaders(),
      );

  /** CreateMultipartUpload of copy.bin, answered with `uploadId`; the result tells the headers it was sent. */
  const createOk = (uploadId: string) => {
    let sent: Record<string, string | string[] | undefined> = {};
    nock(BUCKET_ORIGIN)
      .post('/copy.bin')
      .query({ uploads: '' })
      .reply(function () {
        sent = this.req.headers;
        return [200, `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>test-bucket</Bucket><Key>copy.bin</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`, awsHeaders()];
      });
    return () => sent;
  };

  it('copies an object over 5 GiB in 512 MiB part copies of the version it inspected, keeping its headers, tags and KMS key', async () => {
    const size = 6 * GiB;
    const keyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    headOk('huge.bin', size, { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId, 'x-amz-server-side-encryption-bucket-key-enabled': 'true' });
    taggingOk('huge.bin', { team: 'video', 'cost centre': 'a&b' });
    const created = createOk('U1');
    const ranges: string[] = [];
    nock(BUCKET_ORIGIN, { reqheaders: { 'x-amz-copy-source': 'test-bucket/huge.bin', 'x-amz-copy-source-if-match': '"0123456789abcdef0123456789abcdef"' } })
      .put('/copy.bin')
      .query((q) => q.uploadId === 'U1' && typeof q.partNumber === 'string')
      .times(12)
      .reply(function () {
        ranges.push(String(this.req.headers['x-amz-copy-source-range']));
        return [200, '<?xml version="1.0" encoding="UTF-8"?><CopyPartResult><LastModified>2025-01-02T03:04:05.000Z</LastModified><ETag>"p"</ETag></CopyPartResult>', awsHeaders()];
      });
    let completion = '';
    nock(BUCKET_ORIGIN)
      .post('/copy.bin', (body: string) => ((completion = body), true))
      .query({ uploadId: 'U1' })
      .reply(200, '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Key>copy.bin</Key><ETag>"abc-12"</ETag></CompleteMultipartUploadResult>', awsHeaders());

    const output = await actions.copy!({ sourceKey: 'huge.bin', destinationKey: 'copy.bin' }, { connection: awsConnection() });
    expect(output).toMatchObject({ key: 'copy.bin', size, etag: 'abc-12', contentType: 'image/jpeg', moved: false });
    expect(created()).toMatchObject({
      'content-type': 'image/jpeg',
      'x-amz-meta-owner': 'alice',
      'x-amz-tagging': 'team=video&cost%20centre=a%26b',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': keyId,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
    });
    const part = 512 * 1024 * 1024;
    expect(ranges.sort((a, b) => Number(a.split(/[=-]/)[1]) - Number(b.split(/[=-]/)[1]))).toEqual(
      Array.from({ length: 12 }, (_, i) => `bytes=${i * part}-${(i + 1) * part - 1}`),
    );
    expect(completion.match(/<PartNumber>/g)).toHaveLength(12);
    expect(net.unmatched).toEqual([]);
  });

  it('sends the source\'s own KMS key with a plain copy, and leaves SSE-S3 to the bucket default', async () => {
    const keyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    headOk('kms.jpg', 1234, { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId });
    headOk('s3.jpg', 1234, { 'x-amz-server-side-encryption': 'AES256' });
    const sent: Array<Record<string, string | string[] | undefined>> = [];
    nock(BUCKET_ORIGIN)
      .put(/^\/(kms|s3)-copy\.jpg/)
      .times(2)
      .reply(function () {
        sent.push(this.req.headers);
        return [200, copyResult, awsHeaders()];
      });
    await actions.copy!({ sourceKey: 'kms.jpg', destinationKey: 'kms-copy.jpg' }, { connection: awsConnection() });
    await actions.copy!({ sourceKey: 's3.jpg', destinationKey: 's3-copy.jpg' }, { connection: awsConnection() });
    expect(sent[0]).toMatchObject({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId });
    expect(sent[0]!['x-amz-metadata-directive']).toBeUndefined();
    expect(sent[1]!['x-amz-server-side-encryption']).toBeUndefined();
    expect(net.unmatched).toEqual([]);
  });

  it('copies over 5 GiB without tags where the service has no object tagging (R2 answers 501)', async () => {
    headOk('huge.bin', 6 * GiB);
    nock(BUCKET_ORIGIN).get('/huge.bin').query({ tagging: '' }).reply(501, awsError('NotImplemented', 'GetObjectTagging not implemented'), awsHeaders());
    const created = createOk('U3');
    nock(BUCKET_ORIGIN)
      .put('/copy.bin')
      .query((q) => q.uploadId === 'U3')
      .times(12)
      .reply(200, '<?xml version="1.0" encoding="UTF-8"?><CopyPartResult><ETag>"p"</ETag></CopyPartResult>', awsHeaders());
    nock(BUCKET_ORIGIN)
      .post('/copy.bin')
      .query({ uploadId: 'U3' })
      .reply(200, '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Key>copy.bin</Key><ETag>"abc-12"</ETag></CompleteMultipartUploadResult>', awsHeaders());
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };
    const output = await actions.copy!({ sourceKey: 'huge.bin', destinationKey: 'copy.bin' }, { connection: awsConnection(), logger });
    expect(output).toMatchObject({ key: 'copy.bin', etag: 'abc-12' });
    expect(created()['x-amz-tagging']).toBeUndefined();
    expect(warnings).toEqual(['The service does not implement object tagging; the copy is written without tags.']);
    expect(net.unmatched).toEqual([]);
  });

  it('names s3:GetObjectTagging, and starts no upload, when a copy over 5 GiB may not read the source\'s tags', async () => {
    headOk('huge.bin', 6 * GiB);
    nock(BUCKET_ORIGIN).get('/huge.bin').query({ tagging: '' }).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.copy!({ sourceKey: 'huge.bin', destinationKey: 'copy.bin' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('lack s3:GetObjectTagging on arn:aws:s3:::test-bucket/huge.bin'),
    });
    // No CreateMultipartUpload was scripted: nock would have refused it.
    expect(net.unmatched).toEqual([]);
  });

  it('aborts a multipart copy that fails, leaving no parts behind, and names both permissions', async () => {
    headOk('huge.bin', 6 * GiB);
    taggingOk('huge.bin', {});
    createOk('U2');
    nock(BUCKET_ORIGIN)
      .put('/copy.bin')
      .query((q) => q.uploadId === 'U2')
      .times(4)
      .reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    const aborted = nock(BUCKET_ORIGIN).delete('/copy.bin').query((q) => q.uploadId === 'U2').reply(204, '', awsHeaders());
    await expect(actions.copy!({ sourceKey: 'huge.bin', destinationKey: 'copy.bin' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('a copy needs s3:GetObject on arn:aws:s3:::test-bucket/huge.bin and s3:PutObject on arn:aws:s3:::test-bucket/copy.bin'),
    });
    expect(aborted.isDone()).toBe(true);
    expect(net.unmatched).toEqual([]);
  });
});
