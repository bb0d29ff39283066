/**
 * Test connection outcomes that only real AWS produces (the emulator has one region, no IAM and a
 * clock of its own), scripted with nock using AWS-shaped answers.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { actions, ConnectorError, testConnection, type TestResult } from '../src/index.js';
import { minimalPolicy } from '../src/connection/policy.js';
import { awsConnection, awsError, awsHeaders, BUCKET_ORIGIN, REQUEST_ID, useNock } from './helpers/nock.js';

const mock = useNock();

function failure(result: TestResult): { code: string; message: string; details: Record<string, unknown> } {
  if (result.ok) throw new Error(`Expected a failure, got success: ${result.message}`);
  return result as { code: string; message: string; details: Record<string, unknown> };
}

/** The probe: ListObjectsV2 on the bucket's virtual-hosted address. */
function listBucket() {
  return nock(BUCKET_ORIGIN).get('/').query((q) => q['list-type'] === '2');
}

const LIST_RESULT = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>test-bucket</Name><Prefix>tenants/acme/</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`;

describe('a bucket in another region', () => {
  it('names the region from x-amz-bucket-region and says to set it (PermanentRedirect)', async () => {
    listBucket().reply(
      301,
      awsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', {
        Endpoint: 'test-bucket.s3.eu-west-1.amazonaws.com',
        Bucket: 'test-bucket',
      }),
      awsHeaders({ 'x-amz-bucket-region': 'eu-west-1' }),
    );
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('WrongRegion');
    expect(result.message).toBe('Bucket "test-bucket" is in eu-west-1, not us-east-1. Set the connection\'s region to eu-west-1.');
    expect(result.details).toMatchObject({ bucketRegion: 'eu-west-1', awsCode: 'PermanentRedirect', httpStatus: 301, requestId: REQUEST_ID });
  });

  it('names the region from the <Region> of AuthorizationHeaderMalformed', async () => {
    listBucket().reply(
      400,
      awsError('AuthorizationHeaderMalformed', "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-southeast-2'", {
        Region: 'ap-southeast-2',
      }),
      awsHeaders(),
    );
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('WrongRegion');
    expect(result.message).toBe('Bucket "test-bucket" is in ap-southeast-2, not us-east-1. Set the connection\'s region to ap-southeast-2.');
  });

  it('names the region for an action too, from a bodiless HEAD answer', async () => {
    nock(BUCKET_ORIGIN).head('/photos/dog.jpg').reply(301, '', awsHeaders({ 'x-amz-bucket-region': 'eu-central-1' }));
    const error = await actions.head!({ key: 'photos/dog.jpg' }, { connection: awsConnection() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'WrongRegion',
      retryable: false,
      message: 'Bucket "test-bucket" is in eu-central-1, not us-east-1. Set the connection\'s region to eu-central-1.',
    });
  });
});

describe('credentials without s3:ListBucket', () => {
  it('names the missing IAM action and gives the minimal policy', async () => {
    listBucket().reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('AccessDenied');
    expect(result.message).toBe(
      'Access denied: these credentials lack s3:ListBucket on arn:aws:s3:::test-bucket. Add s3:ListBucket for that resource to the IAM policy of the user or role.',
    );
    expect(result.details).toMatchObject({ iamAction: 's3:ListBucket', resource: 'arn:aws:s3:::test-bucket', retryable: false });
    expect(result.details.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ListTheBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::test-bucket' },
        { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::test-bucket/*' },
      ],
    });
  });

  it('limits the suggested policy to the base path with an s3:prefix condition', async () => {
    listBucket().reply(403, awsError('AccessDenied', 'Access Denied'), awsHeaders());
    const result = failure(await testConnection(awsConnection({ basePath: 'tenants/acme' })));
    expect(result.code).toBe('AccessDenied');
    expect(result.message).toBe(
      'Access denied: these credentials lack s3:ListBucket on arn:aws:s3:::test-bucket for keys under "tenants/acme/". Add s3:ListBucket for that resource to the IAM policy of the user or role.',
    );
    expect(result.details.policy).toEqual(minimalPolicy('test-bucket', 'tenants/acme/'));
    expect(result.details.policy).toMatchObject({
      Statement: [
        { Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::test-bucket', Condition: { StringLike: { 's3:prefix': ['tenants/acme/*'] } } },
        { Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::test-bucket/tenants/acme/*' },
      ],
    });
  });

  it('succeeds for an IAM user allowed to list only under the base path', async () => {
    // The policy above, as S3 enforces it: listing is allowed only with Prefix under tenants/acme/.
    const prefixOnlyUser = nock(BUCKET_ORIGIN)
      .get('/')
      .query(true)
      .times(2)
      .reply(function (uri) {
        const prefix = new URL(uri, BUCKET_ORIGIN).searchParams.get('prefix') ?? '';
        return prefix.startsWith('tenants/acme/')
          ? [200, LIST_RESULT, awsHeaders()]
          : [403, awsError('AccessDenied', 'Access Denied'), awsHeaders()];
      });
    const confined = await testConnection(awsConnection({ basePath: 'tenants/acme/' }));
    expect(confined).toMatchObject({ ok: true, details: { basePath: 'tenants/acme/', endpoint: 's3.us-east-1.amazonaws.com' } });
    expect(confined.message).toBe(
      'Connected to bucket "test-bucket" (us-east-1) at s3.us-east-1.amazonaws.com: the credentials are valid and can list objects under "tenants/acme/".',
    );
    const whole = failure(await testConnection(awsConnection()));
    expect(whole.code).toBe('AccessDenied');
    expect(prefixOnlyUser.isDone()).toBe(true);
  });
});

describe("a clock far from S3's", () => {
  it('diagnoses the clock skew and says by how much', async () => {
    listBucket().reply(function () {
      // S3 echoes the signing time; its own clock is an hour earlier, so ours is an hour ahead.
      const requestTime = String(this.req.headers['x-amz-date']);
      const signed = Date.UTC(+requestTime.slice(0, 4), +requestTime.slice(4, 6) - 1, +requestTime.slice(6, 8), +requestTime.slice(9, 11), +requestTime.slice(11, 13), +requestTime.slice(13, 15));
      const serverTime = new Date(signed - 3_600_000).toISOString();
      return [
        403,
        awsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
          RequestTime: requestTime,
          ServerTime: serverTime,
          MaxAllowedSkewMilliseconds: '900000',
        }),
        awsHeaders({ date: new Date(signed - 3_600_000).toUTCString() }),
      ];
    });
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('InvalidCredentials');
    expect(result.message).toBe(
      "This machine's clock is about 60 minutes ahead of S3's clock, and S3 refuses requests signed more than 15 minutes off. Synchronise this machine's clock (NTP), then try again.",
    );
    expect(result.details).toMatchObject({ reason: 'ClockSkew', skewSeconds: 3600, awsCode: 'RequestTimeTooSkewed' });
  });

  it('still diagnoses clock skew when S3 gives no times', async () => {
    listBucket().reply(403, awsError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'), awsHeaders());
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('InvalidCredentials');
    expect(result.message).toBe(
      "This machine's clock is more than 15 minutes off S3's clock, and S3 refuses requests signed more than 15 minutes off. Synchronise this machine's clock (NTP), then try again.",
    );
  });
});

describe('S3 asking to slow down', () => {
  it('reports SlowDown as Throttled, worth a retry', async () => {
    listBucket().reply(503, awsError('SlowDown', 'Please reduce your request rate.'), awsHeaders());
    const result = failure(await testConnection(awsConnection()));
    expect(result.code).toBe('Throttled');
    expect(result.message).toBe('s3.us-east-1.amazonaws.com asked to slow down (SlowDown). Wait a moment and retry, or run fewer requests at once.');
    expect(result.details).toMatchObject({ retryable: true, httpStatus: 503, awsCode: 'SlowDown' });
  });

  it('throws a retryable Throttled error from an action', async () => {
    nock(BUCKET_ORIGIN).head('/photos/dog.jpg').reply(503, '', awsHeaders());
    const error = await actions.head!({ key: 'photos/dog.jpg' }, { connection: awsConnection() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConnectorError', code: 'Throttled', retryable: true });
  });
});

describe('an AWS connection that fails its schema', () => {
  it.each([
    { what: 'a non-AWS access key ID', overrides: { accessKeyId: 'minioadmin' }, field: '/accessKeyId' },
    { what: 'ASIA keys without a session token', overrides: { accessKeyId: 'ASIAIOSFODNN7EXAMPLE' }, field: '/sessionToken' },
    { what: 'a bucket name with an underscore', overrides: { bucket: 'test_bucket' }, field: '/bucket' },
  ])('reports $what without sending anything to AWS', async ({ overrides, field }) => {
    const result = failure(await testConnection(awsConnection(overrides)));
    expect(result.code).toBe('InvalidInput');
    expect(result.details.field).toBe(field);
    expect(mock.unmatched).toEqual([]);
  });

  it('sends the probe once the same connection is valid (so the check above can fail)', async () => {
    listBucket().reply(200, LIST_RESULT, awsHeaders());
    const result = await testConnection(awsConnection({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' }));
    expect(result.ok).toBe(true);
  });
});
