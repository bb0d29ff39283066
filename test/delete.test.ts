import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import outputSchema from '../schemas/actions/delete.output.json';
import type { DeleteOutput } from '../src/generated/actions/delete.output.js';
import { actions, ERROR_CODES } from '../src/index.js';
import { validator } from '../src/validate.js';
import { useEmulator } from './helpers/emulator.js';
import { watchNetwork } from './helpers/network.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from './helpers/nock.js';
import { numberedKeys, putKeys, rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const BULK = numberedKeys('bulk/k', 2500);
const SPECIAL = ['odd/café ☕.txt', 'odd/with space.txt', "odd/a&b<c>d'e+f=g?h#i.txt"];
const UNDER_TMP = ['tmp/a.txt', 'tmp/b/c.txt', 'tmp/b/d/e.txt'];
const KEEP = ['tmpfoo.txt', 'keep/x.txt', 'single.txt', 'tenant/in.txt', 'outside.txt'];

const checkOutput = validator<DeleteOutput>(outputSchema);
const remove = async (input: Record<string, unknown>, basePath?: string) =>
  checkOutput(await actions.delete!(input, { connection: s3.connection(basePath ? { basePath } : {}) }));

let client: S3Client;
const exists = (key: string) =>
  client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(
    () => true,
    (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
  );
const keysUnder = async (prefix: string) =>
  ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

beforeAll(async () => {
  client = rawClient(s3.endpoint);
  await putKeys(client, s3.bucket, [...BULK, ...SPECIAL, ...UNDER_TMP, ...KEEP]);
});
afterAll(() => client.destroy());

describe('delete', () => {
  it('deletes one key', async () => {
    expect(await remove({ key: 'single.txt' })).toEqual({ deleted: ['single.txt'], errors: [] });
    expect(await exists('single.txt')).toBe(false);
  });

  it('succeeds for a key that is already gone, as S3 does', async () => {
    expect(await remove({ key: 'never-existed.txt' })).toEqual({ deleted: ['never-existed.txt'], errors: [] });
  });

  it('deletes 2,500 keys in three requests of at most 1,000', async () => {
    const net = watchNetwork();
    try {
      const output = await remove({ keys: BULK });
      expect(output.errors).toEqual([]);
      expect(output.deleted).toEqual(BULK);
    } finally {
      net.stop();
    }
    expect(net.requests.filter((r) => r.startsWith('POST') && r.includes('?delete'))).toHaveLength(3);
    expect(await keysUnder('bulk/')).toEqual([]);
  });

  it('deletes keys with unicode, spaces and & < > \' + = ? #, each listed once', async () => {
    const output = await remove({ keys: [...SPECIAL, SPECIAL[0]] });
    expect(output.deleted).toEqual(SPECIAL);
    expect(await keysUnder('odd/')).toEqual([]);
  });

  it('deletes everything under a prefix and nothing else', async () => {
    const output = await remove({ prefix: 'tmp/' });
    expect(output.deleted.sort()).toEqual([...UNDER_TMP].sort());
    expect(await keysUnder('tmp/')).toEqual([]);
    expect(await exists('tmpfoo.txt')).toBe(true);
    expect(await exists('keep/x.txt')).toBe(true);
  });

  it('stays inside the base path, and refuses a key that climbs out before deleting anything', async () => {
    await expect(remove({ keys: ['in.txt', '../outside.txt'] }, 'tenant/')).rejects.toMatchObject({
      code: 'InvalidInput',
      field: '/keys/1',
      message: expect.stringContaining('`keys[1]` to stay inside the base path "tenant/"'),
    });
    expect(await exists('tenant/in.txt')).toBe(true);
    expect(await remove({ keys: ['in.txt'] }, 'tenant/')).toEqual({ deleted: ['in.txt'], errors: [] });
    expect(await exists('tenant/in.txt')).toBe(false);
    expect(await exists('outside.txt')).toBe(true);
  });

  it('asks for exactly one of key, keys or prefix', async () => {
    await expect(remove({})).rejects.toMatchObject({ code: 'InvalidInput', message: 'Expected exactly one of `key`, `keys`, `prefix` but received none.' });
    await expect(remove({ key: 'a', prefix: 'b/' })).rejects.toMatchObject({ code: 'InvalidInput', message: 'Expected exactly one of `key`, `keys`, `prefix` but received `key` and `prefix`.' });
    await expect(remove({ prefix: '' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/prefix' });
  });

  it('reports per-key errors with the same codes as a failed action', () => {
    const codes = (outputSchema.properties.errors.items.properties.code as { enum: string[] }).enum;
    expect(codes).toEqual([...ERROR_CODES]);
  });
});

describe('delete against answers only AWS gives', () => {
  const net = useNock();

  it('reports each key S3 refused and still deletes the others', async () => {
    let body = '';
    nock(BUCKET_ORIGIN)
      .post('/', (b: string) => ((body = b), true))
      .query({ delete: '' })
      .reply(
        200,
        `<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>locked/b.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error><Error><Key>c.txt</Key><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error></DeleteResult>`,
        awsHeaders(),
      );
    const output = checkOutput(await actions.delete!({ keys: ['a.txt', 'locked/b.txt', 'c.txt'] }, { connection: awsConnection() }));
    expect(body).toContain('<Quiet>true</Quiet>');
    expect(body.match(/<Object>/g)).toHaveLength(3);
    expect(output.deleted).toEqual(['a.txt']);
    expect(output.errors).toEqual([
      {
        key: 'locked/b.txt',
        code: 'AccessDenied',
        awsCode: 'AccessDenied',
        retryable: false,
        message: expect.stringContaining('lack s3:DeleteObject on arn:aws:s3:::test-bucket/locked/b.txt'),
      },
      { key: 'c.txt', code: 'ServerError', awsCode: 'InternalError', retryable: true, message: expect.stringContaining('retry later') },
    ]);
    expect(net.unmatched).toEqual([]);
  });

  it('stops between batches when the run is cancelled', async () => {
    nock(BUCKET_ORIGIN).post('/').query({ delete: '' }).reply(200, '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>', awsHeaders());
    const controller = new AbortController();
    const run = actions.delete!({ keys: numberedKeys('k', 1500) }, { connection: awsConnection(), signal: controller.signal, progress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'Aborted', message: 'The run was cancelled.' });
    // The second batch was never sent: nock would have listed it as unmatched.
    expect(net.unmatched).toEqual([]);
  });

  it('names s3:DeleteObject when one key may not be deleted', async () => {
    nock(BUCKET_ORIGIN).delete('/reports/q1.pdf').query(true).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.delete!({ key: 'reports/q1.pdf' }, { connection: awsConnection() })).rejects.toMatchObject({
      code: 'AccessDenied',
      retryable: false,
      message: expect.stringContaining('lack s3:DeleteObject on arn:aws:s3:::test-bucket/reports/q1.pdf'),
    });
  });

  it('names s3:DeleteObject for every key of the base path when a whole batch is refused', async () => {
    nock(BUCKET_ORIGIN).post('/').query({ delete: '' }).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    await expect(actions.delete!({ keys: ['a.txt', 'b.txt'] }, { connection: awsConnection({ basePath: 'team/' }) })).rejects.toMatchObject({
      code: 'AccessDenied',
      message: expect.stringContaining('lack s3:DeleteObject on arn:aws:s3:::test-bucket/team/*'),
    });
  });
});
