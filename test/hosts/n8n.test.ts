/**
 * The n8n node in n8n's own execution engine (n8n-core 2.41.1, n8n-workflow 2.41.0, Node 24), against the
 * emulator on 127.0.0.1: workflows a user builds, run by WorkflowExecute, with binary data in n8n's
 * filesystem store.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { INodeProperties, IRun } from 'n8n-workflow';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClientConfig } from '../../src/emulator.js';
import { useEmulator } from '../helpers/emulator.js';
import { generatedStream } from '../helpers/files.js';
import { photo } from '../helpers/images.js';
import { peakRss } from '../helpers/peak-rss.mjs';
import { chain, node, START_TYPE, startN8n, type N8n } from './n8n/harness.js';

const MiB = 1024 * 1024;
const ROOT = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { actions: { id: string }[] };

const s3 = useEmulator();
let n8n: N8n;
let client: S3Client;

beforeAll(async () => {
  n8n = await startN8n();
  client = new S3Client(emulatorClientConfig(s3.endpoint));
});
afterAll(() => {
  client?.destroy();
  n8n?.close();
});

const start = node('Start', START_TYPE, {});
const s3Node = (name: string, parameters: Record<string, unknown>) => node(name, n8n.nodeType, parameters as never, [200, 0]);

/** The output items of a node in a finished run. */
function output(run: IRun, name: string) {
  const task = run.data.resultData.runData[name]?.[0];
  if (!task) throw new Error(`"${name}" did not run: ${JSON.stringify(run.data.resultData.error ?? {})}`);
  if (task.error) throw new Error(`"${name}" failed: ${task.error.message} ${JSON.stringify(task.error)}`);
  return task.data!.main![0]!;
}

async function objectBytes(key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe('the node n8n loads from the package', () => {
  it('offers one operation per action in connector.json, named as the manifest names them', () => {
    const description = n8n.description();
    const operation = description.properties.find((p) => p.name === 'operation')!;
    expect(operation.options!.map((o) => ('value' in o ? o.value : ''))).toEqual(manifest.actions.map((a) => a.id));
    expect(description.credentials).toEqual([{ name: 'amazonS3ConnectorApi', required: true, testedBy: 'testConnection' }]);
  });

  it('turns the input schemas into n8n parameters: options, booleans, bounded numbers and an Options collection', () => {
    const properties = n8n.description().properties;
    const of = (operation: string, name: string) =>
      properties.find((p) => p.name === name && p.displayOptions?.show?.operation?.includes(operation) === true) as INodeProperties;
    expect(of('get', 'as')).toMatchObject({ type: 'options', default: 'text', options: expect.arrayContaining([{ name: 'File', value: 'file' }]) });
    expect(of('resize', 'width')).toMatchObject({ type: 'number', typeOptions: { minValue: 1, maxValue: 16383, numberPrecision: 0 } });
    expect(of('put', 'ifNotExists')).toMatchObject({ type: 'boolean', default: false });
    expect(of('put', 'file')).toMatchObject({ type: 'string', default: 'data', displayOptions: { show: { operation: ['put'], oneOf: ['file'] } } });
    expect(of('put', 'oneOf').options!.map((o) => ('value' in o ? o.value : ''))).toEqual(['text', 'base64', 'json', 'file']);
    const advanced = of('get', 'advanced');
    expect(advanced.type).toBe('collection');
    expect(advanced.options!.map((o) => o.name)).toEqual(['range', 'charset', 'versionId', 'ifMatch', 'ifNoneMatch']);
  });

  it('builds the credential form from the connection schema, secrets as password fields', () => {
    const credential = n8n.credentialType();
    const field = (name: string) => credential.properties.find((p) => p.name === name)!;
    expect(field('secretAccessKey')).toMatchObject({ type: 'string', required: true, typeOptions: { password: true } });
    expect(field('sessionToken').typeOptions).toEqual({ password: true });
    expect(field('accessKeyId').typeOptions).toBeUndefined();
    expect(field('forcePathStyle')).toMatchObject({ type: 'options', default: '' });
    expect(field('maxAttempts')).toMatchObject({ type: 'number', default: 3, typeOptions: { minValue: 1, maxValue: 10 } });
  });
});

describe('workflows in n8n', () => {
  it('puts an item’s binary data, streamed from n8n’s filesystem binary store', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const binary = await n8n.storeBinary(bytes, 'report.bin', 'application/octet-stream');
    expect(binary.id).toMatch(/^filesystem-v2:/);
    const run = await n8n.run([start, s3Node('Upload', { operation: 'put', key: 'in/report.bin', oneOf: 'file', file: 'data' })], chain('Start', 'Upload'), {
      credentials: s3.connection(),
      items: [{ json: {}, binary: { data: binary } }],
    });
    expect(output(run, 'Upload')[0]!.json).toMatchObject({ key: 'in/report.bin', size: bytes.length, contentType: 'application/octet-stream' });
    expect((await objectBytes('in/report.bin')).equals(bytes)).toBe(true);
  });
});
