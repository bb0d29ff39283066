/**
 * The embedded S3 emulator (@20minutes/s3rver, patched) for the demo, the tests and the benchmark.
 * It checks SigV4 signatures, so a wrong secret fails here exactly as it does on AWS.
 * Not part of the connector entry: hosts never load it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** AWS's own documentation example keys: obviously not real, and shaped like real ones. */
export const EMULATOR_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

/**
 * A plain SDK client's settings for the emulator, as the connector sets up its own for a custom
 * endpoint: what tests use to set the scene and benchmarks measure against.
 */
export function emulatorClientConfig(endpoint: string): S3ClientConfig {
  return {
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    // A copy: the SDK marks the credentials object it is given (`$source`), which would leak into connections.
    credentials: { ...EMULATOR_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
interface AccountModule {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  directory: string;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  buckets?: string[];
  /** Extra key pairs the emulator accepts, besides EMULATOR_CREDENTIALS. */
  keyPairs?: Array<{ accessKeyId: string; secretAccessKey: string }>;
  directory?: string;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // s3rver is CommonJS and a dev dependency: loaded only when an emulator is wanted.
  const require = createRequire(import.meta.url);
  const S3rver = require('@20minutes/s3rver') as S3rverClass;
  const account = require('@20minutes/s3rver/lib/models/account') as AccountModule;
  for (const pair of [EMULATOR_CREDENTIALS, ...(options.keyPairs ?? [])]) {
    account.DUMMY_ACCOUNT.createKeyPair(pair.accessKeyId, pair.secretAccessKey);
  }
  const owned = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 's3-connector-emulator-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Path-style only: there is no wildcard DNS for bucket subdomains on 127.0.0.1.
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    async close() {
      await server.close();
      if (owned) await rm(directory, { recursive: true, force: true });
    },
  };
}
