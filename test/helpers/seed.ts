import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { emulatorClientConfig } from '../../src/emulator.js';

/** A plain SDK client for the emulator: what a test uses to set the scene, never the code under test. */
export function rawClient(endpoint: string): S3Client {
  return new S3Client(emulatorClientConfig(endpoint));
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function eachLimit<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Puts `keys` (full keys) with a small body each: the key itself, so sizes differ and are checkable. */
export async function putKeys(client: S3Client, bucket: string, keys: readonly string[], concurrency = 32): Promise<void> {
  await eachLimit(keys, concurrency, (key) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key })));
}

/** `count` keys `${prefix}00000` ... in S3 order. */
export function numberedKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
}
