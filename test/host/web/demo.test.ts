import { existsSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../../src/emulator.js';
import { ConnectionStore } from '../../../src/host/core/store.js';
import { DEMO_CONNECTION_NAME, startDemo } from '../../../src/host/demo.js';
import type { ConnectionView, TestResultView } from '../../../src/host/web/api-types.js';
import { useEmulator } from '../../helpers/emulator.js';
import { useTempDirs } from '../core/fixture.js';

const aws = useEmulator({ bucket: 'my-real-bucket' });
const quiet = () => {};
const tempDir = useTempDirs('s3-demo-');

/** What the page does: read the CSRF token from the page, then call the API with it. */
async function testSaved(url: string, id: string): Promise<TestResultView> {
  const page = await (await fetch(url)).text();
  const token = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
  const reply = await fetch(new URL('/api/connections/test', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token },
    body: JSON.stringify({ id }),
  });
  return (await reply.json()) as TestResultView;
}

describe('npm start', () => {
  it('starts the emulator with sample images drawn by sharp, a saved demo connection and the playground', async () => {
    const home = tempDir();
    const demo = await startDemo({ home, env: {}, log: quiet });
    const s3 = new S3Client({ region: 'us-east-1', endpoint: demo.endpoint, forcePathStyle: true, credentials: { ...EMULATOR_CREDENTIALS } });
    try {
      expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: demo.bucket }));
      const keys = (listed.Contents ?? []).map((object) => object.Key);
      expect(keys).toEqual(expect.arrayContaining(['photos/sunset.jpg', 'graphics/badge.png', 'banners/ocean.webp', 'README.txt']));
      const photo = await s3.send(new GetObjectCommand({ Bucket: demo.bucket, Key: 'photos/sunset.jpg' }));
      const meta = await sharp(Buffer.from(await photo.Body!.transformToByteArray())).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 2400, height: 1600 });

      const connections = (await (await fetch(new URL('/api/connections', demo.url))).json()) as ConnectionView[];
      expect(connections.map((c) => c.label)).toEqual([`${DEMO_CONNECTION_NAME} (demo-images, us-east-1)`]);
      expect(await testSaved(demo.url, connections[0]!.id)).toMatchObject({ ok: true });
    } finally {
      s3.destroy();
      await demo.close();
    }
    // Stopped: the emulator's data is gone, the home (saved connections, key, files) is kept for the CLI.
    expect(existsSync(demo.emulatorData!)).toBe(false);
    expect(demo.home).toBe(home);
    const kept = await ConnectionStore.open(home, { env: {} });
    expect(kept.list().map((c) => c.name)).toEqual([DEMO_CONNECTION_NAME]);
    await expect(fetch(demo.url)).rejects.toThrow();
  });

  it('uses the AWS account of the AWS_* environment instead, with no emulator', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_BUCKET_NAME: aws.bucket,
      // Stands in for AWS here: the same path a real account takes, pointed at an S3 that answers.
      AWS_ENDPOINT_URL_S3: aws.endpoint,
      S3_CONNECTOR_USE_AWS: '1',
    };
    const demo = await startDemo({ env, home: tempDir(), dotenvPath: '/nonexistent/.env', log: quiet });
    try {
      expect(demo.endpoint).toBeUndefined();
      expect(demo.connection.label).toBe(`my-real-bucket (from environment) (my-real-bucket, us-east-1)`);
      expect(await testSaved(demo.url, demo.connection.id)).toMatchObject({ ok: true, message: expect.stringContaining('"my-real-bucket"') });
    } finally {
      await demo.close();
    }
  });

  it('says which variables to set when asked for AWS without them', async () => {
    await expect(startDemo({ aws: true, env: {}, home: tempDir(), dotenvPath: '/nonexistent/.env', log: quiet })).rejects.toThrow(
      /Set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION or AWS_DEFAULT_REGION, AWS_BUCKET_NAME/,
    );
  });
});
