/**
 * What the emulator cannot show, played back as recorded AWS answers: S3's clock hours away from the
 * host's (the emulator shares the test's clock), a missing s3:ListBucketMultipartUploads, and a
 * service that sends no Date header.
 */
import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { TriggerState } from '../../src/contract.js';
import { AWS_KEYS, awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, useNock } from '../helpers/nock.js';
import { keysOf, trigger } from './helpers.js';

useNock();

const HOUR = 3600;
const connection = awsConnection();

interface Listed {
  key: string;
  at: number;
}

const httpDate = (seconds: number) => new Date(seconds * 1000).toUTCString();

function listing(prefix: string, objects: Listed[]): string {
  const contents = objects
    .map(({ key, at }) => `<Contents><Key>${key}</Key><LastModified>${new Date(at * 1000).toISOString()}</LastModified><ETag>&quot;${key.length}0f&quot;</ETag><Size>${key.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>test-bucket</Name><Prefix>${prefix}</Prefix><KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`;
}

function uploads(prefix: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>test-bucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${prefix}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`;
}

/** S3's answers to one scan poll: its uploads listing at `now`, then one page of the prefix. */
function scanPoll(now: number, objects: Listed[]) {
  nock(BUCKET_ORIGIN).get('/').query((q) => 'uploads' in q).reply(200, uploads('in/'), awsHeaders({ date: httpDate(now) }));
  nock(BUCKET_ORIGIN).get('/').query((q) => q['list-type'] === '2').reply(200, listing('in/', objects), awsHeaders({ date: httpDate(now) }));
}

describe("S3's clock, not the host's", () => {
  it.each([
    ['three hours behind the host', -3 * HOUR],
    ['three hours ahead of the host', 3 * HOUR],
  ])('fires each new object once when S3 is %s', async (_, skew) => {
    const input = { prefix: 'in/' };
    const t0 = Math.floor(Date.now() / 1000) + skew;
    const old = { key: 'in/old.csv', at: t0 - 600 };
    const a = { key: 'in/a.csv', at: t0 + 30 };
    const b = { key: 'in/b.csv', at: t0 + 90 };

    nock(BUCKET_ORIGIN).get('/').query((q) => 'uploads' in q).reply(200, uploads('in/'), awsHeaders({ date: httpDate(t0) }));
    let state: TriggerState = await trigger.enable!(input, { connection });
    expect(state).toMatchObject({ cut: t0 });

    scanPoll(t0 + 60, [old, a]);
    const first = await trigger.poll(input, { connection, state });
    expect(keysOf(first.events)).toEqual(['in/a.csv']);
    // Hours away from the host's clock: a trigger that compares dates with its own clock loses (or repeats) it.
    expect(Math.abs(Date.parse(first.events[0]!.occurredAt) / 1000 - Date.now() / 1000)).toBeGreaterThan(2 * HOUR);
    state = first.state;

    scanPoll(t0 + 120, [old, a, b]);
    const second = await trigger.poll(input, { connection, state });
    expect(keysOf(second.events)).toEqual(['in/b.csv']);
  });
});

describe('permissions', () => {
  it('names s3:ListBucketMultipartUploads when scan mode lacks it; ordered mode needs only s3:ListBucket', async () => {
    nock(BUCKET_ORIGIN).get('/').query((q) => 'uploads' in q).reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    const denied = trigger.enable!({ prefix: 'in/' }, { connection });
    await expect(denied).rejects.toMatchObject({ name: 'ConnectorError', code: 'AccessDenied', retryable: false, details: { iamAction: 's3:ListBucketMultipartUploads' } });
    await expect(denied).rejects.toThrow('Access denied: these credentials lack s3:ListBucketMultipartUploads on arn:aws:s3:::test-bucket. Add s3:ListBucketMultipartUploads');
    // What a host logs of it, cause included, holds no secret.
    expect(inspect(await denied.catch((error: unknown) => error), { depth: 10 })).not.toContain(AWS_KEYS.secretAccessKey);

    nock(BUCKET_ORIGIN).get('/').query((q) => q['list-type'] === '2').reply(200, listing('in/', []), awsHeaders());
    await expect(trigger.enable!({ prefix: 'in/', mode: 'ordered' }, { connection })).resolves.toMatchObject({ mode: 'ordered' });
  });
});

describe('a service without a Date header', () => {
  it('is refused with a message, rather than dated by the host\'s clock', async () => {
    const { date: _none, ...headers } = awsHeaders();
    nock(BUCKET_ORIGIN).get('/').query((q) => 'uploads' in q).reply(200, uploads('in/'), headers);
    const refused = trigger.enable!({ prefix: 'in/' }, { connection });
    await expect(refused).rejects.toMatchObject({ name: 'ConnectorError', code: 'ServerError', retryable: false });
    await expect(refused).rejects.toThrow('s3.us-east-1.amazonaws.com answered without a valid Date header. The trigger dates changes by the service\'s own clock');
  });
});
