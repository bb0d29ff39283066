import { afterAll, beforeAll } from 'vitest';
import { EMULATOR_CREDENTIALS, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator.js';

export interface TestConnection {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  region: string;
  endpoint: string;
  basePath?: string;
  [field: string]: unknown;
}

/**
 * Starts a real emulator for the file's tests (beforeAll) and stops it after (afterAll).
 * `connection()` builds a valid connection to it; pass overrides for the case at hand.
 */
export function useEmulator(options: EmulatorOptions & { bucket?: string } = {}) {
  const bucket = options.bucket ?? 'test-bucket';
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ ...options, buckets: [bucket, ...(options.buckets ?? [])] });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  const running = (): Emulator => {
    if (!emulator) throw new Error('The emulator is not running: call useEmulator() at the top of the file.');
    return emulator;
  };
  return {
    bucket,
    get endpoint() {
      return running().endpoint;
    },
    connection(overrides: Partial<TestConnection> = {}): TestConnection {
      return {
        name: 'Test',
        ...EMULATOR_CREDENTIALS,
        bucket,
        region: 'us-east-1',
        endpoint: running().endpoint,
        ...overrides,
      };
    },
  };
}
