import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** AWS's documentation example keys: AWS-shaped, and not real. */
export const AWS_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

/** A connection to real AWS (no endpoint), tried once so a scripted answer is not retried. */
export function awsConnection(overrides: Record<string, unknown> = {}) {
  return { name: 'Product images', ...AWS_KEYS, bucket: 'test-bucket', region: 'us-east-1', maxAttempts: 1, ...overrides };
}

/** Where the SDK sends virtual-hosted requests for `awsConnection()`. */
export const BUCKET_ORIGIN = 'https://test-bucket.s3.us-east-1.amazonaws.com';

export const REQUEST_ID = '4442587FB7D0A2F9';

/** Headers S3 sends with every answer. */
export function awsHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-amz-request-id': REQUEST_ID,
    'x-amz-id-2': 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=',
    'content-type': 'application/xml',
    date: new Date().toUTCString(),
    server: 'AmazonS3',
    ...extra,
  };
}

/** An S3 error body, as AWS writes it. */
export function awsError(code: string, message: string, fields: Record<string, string> = {}): string {
  const extra = Object.entries(fields)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${REQUEST_ID}</RequestId><HostId>vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=</HostId></Error>`;
}

/**
 * No real network for the file: every request must meet a scripted answer, every scripted answer
 * must be used, and requests that met none are listed in `unmatched`.
 */
export function useNock() {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; options?: { host?: string } }) => {
    unmatched.push(`${req.method ?? ''} ${req.options?.host ?? ''}${req.path ?? ''}`);
  };
  beforeAll(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    unmatched.length = 0;
    expect(pending, 'scripted answers that no request used').toEqual([]);
  });
  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
    nock.restore();
  });
  return { unmatched };
}
