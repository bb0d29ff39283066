/**
 * What a host that loads the connector for each run (Activepieces' sandboxes, serverless functions,
 * the CLI) pays for: the built entry in a fresh process loads sharp, lib-storage, the presigner, Ajv
 * and mime-types only when an action needs them, never for Test connection and a first `head`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from './helpers/emulator.js';
import { photo, putObject } from './helpers/images.js';
import { rawClient } from './helpers/seed.js';

const s3 = useEmulator();
const child = fileURLToPath(new URL('./helpers/cold-start-child.mjs', import.meta.url));

type Steps = Record<'import' | 'testConnectionAndHead' | 'everyInputRefused' | 'presign' | 'putText' | 'putMultipart' | 'resize', string[]>;
let steps: Steps;

beforeAll(async () => {
  await putObject(rawClient(s3.endpoint), s3.bucket, 'photo.jpg', await photo(40, 30));
  const { stdout } = await promisify(execFile)(process.execPath, [child], {
    env: { ...process.env, COLD_START_CONNECTION: JSON.stringify(s3.connection()), NODE_NO_WARNINGS: '1' },
  });
  steps = JSON.parse(stdout.trim().split('\n').pop()!) as Steps;
}, 60_000);

describe('a cold start (dist/index.js in a fresh process)', () => {
  it('loads none of the on-demand packages with the entry', () => {
    expect(steps.import).toEqual([]);
  });

  it('answers Test connection and a first head without sharp, lib-storage, the presigner, Ajv or mime-types', () => {
    // Only the endpoint guard's address parser: the emulator's endpoint is an IP address, judged before connecting.
    expect(steps.testConnectionAndHead).toEqual(['ipaddr.js']);
  });

  it('checks every action\'s input with validators built at build time, never loading Ajv', () => {
    expect(steps.everyInputRefused).toEqual(['ipaddr.js']);
  });

  it('loads each package when an action first needs it', () => {
    expect(steps.presign).toEqual(['@aws-sdk/s3-request-presigner', 'ipaddr.js']);
    // A content type guessed from the key's extension.
    expect(steps.putText).toEqual(['@aws-sdk/s3-request-presigner', 'mime-types', 'ipaddr.js']);
    // 9 MiB: over one 8 MiB part, so multipart through lib-storage.
    expect(steps.putMultipart).toContain('@aws-sdk/lib-storage');
    expect(steps.putMultipart).not.toContain('sharp');
    expect(steps.resize).toContain('sharp');
    expect(steps.resize).not.toContain('ajv (compiler)');
  });
});
