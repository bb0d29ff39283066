/**
 * The emulator patch that key ranges rely on: S3 lists keys in the order of their UTF-8 bytes, and
 * compares StartAfter (and the key a continuation token resumes after) the same way. Unpatched,
 * @20minutes/s3rver lists in directory order and compares UTF-16 units, and these tests fail.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/listing.js';
import { useEmulator } from '../helpers/emulator.js';
import { putKeys, rawClient } from '../helpers/seed.js';

const s3 = useEmulator();
let client: S3Client;

// U+FF5E sorts before an emoji in UTF-8 (EF BD 9E < F0 9F 98 80) and after it in UTF-16 (FF5E > D83D).
const KEYS = ['o/a b.jpg', 'o/a+b.jpg', 'o/a.jpg', 'o/a/b.jpg', 'o/é.jpg', 'o/\uFF5E.jpg', 'o/\u{1F600}.jpg', 'o/\uFF5E/x.jpg', 'o/\u{1F600}/x.jpg'];
const S3_ORDER = [...KEYS].sort(compareKeys);

beforeAll(async () => {
  client = rawClient(s3.endpoint);
  await putKeys(client, s3.bucket, KEYS);
});
afterAll(() => client.destroy());

const keysOf = (answer: { Contents?: { Key?: string }[] }) => (answer.Contents ?? []).map((o) => o.Key);

describe('the emulator lists in S3\'s order', () => {
  it('sorts keys by their UTF-8 bytes: "a b" < "a+b" < "a.jpg" < "a/b", and U+FF5E before an emoji', async () => {
    expect(S3_ORDER).not.toEqual([...KEYS].sort());
    expect(keysOf(await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'o/' })))).toEqual(S3_ORDER);
  });

  it('starts after a key by bytes, so an emoji key comes after U+FF5E', async () => {
    const answer = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'o/', StartAfter: 'o/\uFF5E.jpg' }));
    expect(keysOf(answer)).toEqual(['o/\uFF5E/x.jpg', 'o/\u{1F600}.jpg', 'o/\u{1F600}/x.jpg']);
  });

  it('pages one key at a time through every key, none skipped or repeated', async () => {
    const seen: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'o/', MaxKeys: 1, ContinuationToken: token }));
      seen.push(...keysOf(page));
      token = page.NextContinuationToken;
    } while (token && seen.length <= KEYS.length);
    expect(seen).toEqual(S3_ORDER);
  });

  it('orders folders by bytes too', async () => {
    const answer = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'o/', Delimiter: '/' }));
    expect((answer.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['o/a/', 'o/\uFF5E/', 'o/\u{1F600}/']);
  });
});
