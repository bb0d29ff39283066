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
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'connector.json'), 'utf8')) as { actions: { id: string; suggest?: Record<string, string> }[] };

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
  if (task.error) throw new Error(`"${name}" failed: ${task.error.message}`);
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
    // Exactly the schema's advanced fields, in its `x-order`: a field added there appears here unasked.
    const getInput = JSON.parse(readFileSync(path.join(ROOT, 'schemas/actions/get.input.json'), 'utf8')) as { properties: Record<string, { 'x-group'?: string; 'x-order'?: number }> };
    const schemaAdvanced = Object.entries(getInput.properties)
      .filter(([, field]) => field['x-group'] === 'advanced')
      .sort(([, a], [, b]) => (a['x-order'] ?? 0) - (b['x-order'] ?? 0))
      .map(([name]) => name);
    expect(schemaAdvanced.slice(0, 5)).toEqual(['range', 'charset', 'versionId', 'ifMatch', 'ifNoneMatch']);
    expect(advanced.options!.map((o) => o.name)).toEqual(schemaAdvanced);
  });

  it('makes every field the manifest suggests for a resource locator: From List (searched) or By Key', () => {
    const properties = n8n.description().properties;
    const of = (operation: string, name: string) =>
      [...properties, ...properties.flatMap((p) => (p.name === 'advanced' ? ((p.options ?? []) as INodeProperties[]).map((o) => ({ ...o, displayOptions: p.displayOptions })) : []))].find(
        (p) => p.name === name && p.displayOptions?.show?.operation?.includes(operation) === true,
      ) as INodeProperties;
    for (const action of manifest.actions) {
      for (const pointer of Object.keys(action.suggest ?? {})) {
        const property = of(action.id, pointer.slice(1));
        expect(property, `${action.id} ${pointer}`).toMatchObject({ type: 'resourceLocator', default: { mode: 'list', value: '' } });
        expect(property.modes!.map((m) => m.name)).toEqual(['list', 'id']);
        expect(property.modes![0]!.typeOptions).toEqual({ searchListMethod: `suggest${pointer.charAt(1).toUpperCase()}${pointer.slice(2)}`, searchable: true });
      }
    }
    expect(of('list', 'prefix').modes![1]).toMatchObject({ displayName: 'By Prefix', placeholder: 'photos/2024/' });
    expect(of('get', 'as').type).toBe('options');
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

  it('puts binary data n8n keeps inline (its memory mode) from the buffer', async () => {
    const bytes = Buffer.from('inline bytes \u00e9\u00e8 \u0000\u00ff', 'latin1');
    const inline = { data: bytes.toString('base64'), mimeType: 'text/plain', fileName: 'note.txt' };
    const run = await n8n.run([start, s3Node('Upload', { operation: 'put', key: 'in/note.txt', oneOf: 'file', file: 'data' })], chain('Start', 'Upload'), {
      credentials: s3.connection(),
      items: [{ json: {}, binary: { data: inline } }],
    });
    expect(output(run, 'Upload')[0]!.json).toMatchObject({ key: 'in/note.txt', size: bytes.length });
    expect((await objectBytes('in/note.txt')).equals(bytes)).toBe(true);
  });

  it('gets a 512 MiB object as binary data while the process grows by less than 150 MiB', { timeout: 180_000 }, async () => {
    const size = 512 * MiB;
    const source = generatedStream(size);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'big/archive.bin', Body: source.stream, ContentLength: size, ContentType: 'application/octet-stream' }));
    const get = s3Node('Download', { operation: 'get', key: 'big/archive.bin', as: 'file', binaryPropertyOutput: 'archive' });
    const { result: run, growth } = await peakRss(() => n8n.run([start, get], chain('Start', 'Download'), { credentials: s3.connection() }));
    const [item] = output(run, 'Download');
    expect(item!.json).toMatchObject({ key: 'big/archive.bin', size, file: { name: 'archive.bin', size } });
    const binary = item!.binary!.archive!;
    expect(binary).toMatchObject({ fileName: 'archive.bin', mimeType: 'application/octet-stream', bytes: size });
    expect(binary.id).toMatch(/^filesystem-v2:/);
    const hash = createHash('sha256');
    await pipeline(await n8n.binary.getAsStream(binary.id!), hash);
    expect(hash.digest('hex')).toBe(source.sha256());
    expect(growth, `the run grew RSS by ${(growth / MiB).toFixed(0)} MiB`).toBeLessThan(150 * MiB);
  });

  it('lists every page with all: 250 objects at a page size of 100 (an advanced option)', async () => {
    await Promise.all(Array.from({ length: 250 }, (_, i) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `many/${String(i).padStart(4, '0')}.txt`, Body: 'x' }))));
    const list = s3Node('List', { operation: 'list', prefix: 'many/', all: true, advanced: { maxKeys: 100 } });
    const run = await n8n.run([start, list], chain('Start', 'List'), { credentials: s3.connection() });
    const listed = output(run, 'List')[0]!.json as { objects: { key: string }[]; isTruncated: boolean };
    expect(listed.objects).toHaveLength(250);
    expect(listed.objects.at(-1)!.key).toBe('many/0249.txt');
    expect(listed.isTruncated).toBe(false);
  });

  it('resizes an image in S3, and returns a thumbnail to the workflow as binary data', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'photos/dog.jpg', Body: await photo(1200, 800), ContentType: 'image/jpeg' }));
    const toS3 = s3Node('Resize', { operation: 'resize', key: 'photos/dog.jpg', destinationKey: 'thumbs/{name}-{size}.{ext}', size: '200x200', fit: 'cover', format: 'webp' });
    const toWorkflow = node('Thumbnail', n8n.nodeType, { operation: 'resize', key: 'photos/dog.jpg', width: 64, format: 'png', advanced: { as: 'file' } }, [400, 0]);
    const run = await n8n.run([start, toS3, toWorkflow], chain('Start', 'Resize', 'Thumbnail'), { credentials: s3.connection() });
    expect(output(run, 'Resize')[0]!.json).toMatchObject({ key: 'thumbs/dog-200x200.webp', width: 200, height: 200, format: 'webp' });
    expect(await sharp(await objectBytes('thumbs/dog-200x200.webp')).metadata()).toMatchObject({ format: 'webp', width: 200, height: 200 });
    const thumbnail = output(run, 'Thumbnail')[0]!;
    expect(thumbnail.json).toMatchObject({ width: 64, height: 43, format: 'png' });
    const png = await n8n.binary.getAsBuffer(thumbnail.binary!.data!);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 64, height: 43 });
  });

  it('feeds one node’s output into the next through an expression', async () => {
    const write = s3Node('Write', { operation: 'put', key: 'notes/today.txt', oneOf: 'text', text: 'Remember the milk' });
    const read = node('Read', n8n.nodeType, { operation: 'get', key: '={{ $json.key }}', as: 'text' }, [400, 0]);
    const run = await n8n.run([start, write, read], chain('Start', 'Write', 'Read'), { credentials: s3.connection() });
    expect(output(run, 'Read')[0]!.json).toMatchObject({ key: 'notes/today.txt', text: 'Remember the milk', contentType: 'text/plain; charset=utf-8' });
  });

  it('runs once per input item, each with its own expression values', async () => {
    const put = s3Node('Put', { operation: 'put', key: '={{ "batch/" + $json.name + ".json" }}', oneOf: 'json', json: '={{ $json }}' });
    const items = ['a', 'b', 'c'].map((name, i) => ({ json: { name, n: i } }));
    const run = await n8n.run([start, put], chain('Start', 'Put'), { credentials: s3.connection(), items });
    expect(output(run, 'Put').map((item) => item.json.key)).toEqual(['batch/a.json', 'batch/b.json', 'batch/c.json']);
    expect(JSON.parse((await objectBytes('batch/c.json')).toString())).toEqual({ name: 'c', n: 2 });
  });

  it('fails the run with our message, and the code and retryable in the error’s context', async () => {
    const run = await n8n.run([start, s3Node('Read', { operation: 'get', key: 'missing/nothing.txt' })], chain('Start', 'Read'), { credentials: s3.connection() });
    const error = run.data.resultData.runData.Read![0]!.error!;
    expect(error.message).toMatch(/"missing\/nothing\.txt"/);
    expect(error.message).not.toMatch(/NoSuchKey|UnknownError/);
    expect(error.context).toMatchObject({ code: 'NotFound', retryable: false });
    expect(run.data.resultData.error?.message).toBe(error.message);
  });

  it('continues on fail with the error’s code, message and retryable as the item', async () => {
    const read = { ...s3Node('Read', { operation: 'resize', key: 'photos/dog.jpg', width: 0 }), onError: 'continueRegularOutput' as const };
    const run = await n8n.run([start, read], chain('Start', 'Read'), { credentials: s3.connection() });
    expect(output(run, 'Read')[0]!.json).toEqual({
      error: 'Expected integer between 1 and 16383 for `width` but received 0.',
      message: 'Expected integer between 1 and 16383 for `width` but received 0.',
      code: 'InvalidInput',
      retryable: false,
      field: '/width',
    });
  });
});

describe('the key picker (From List)', () => {
  const credentials = () => s3.connection();
  const search = (operation: string, method: string, options: { filter?: string; paginationToken?: string; credentials?: object } = {}) =>
    n8n.listSearch({ method, parameters: { operation, key: { __rl: true, mode: 'list', value: '' } }, credentials: options.credentials ?? credentials(), ...options });

  it('lists the folders, then the objects, under what the user types, with size and date', async () => {
    await Promise.all(['picker/docs/a.txt', 'picker/img/cat.png', 'picker/readme.txt', 'picker/zebra.jpg'].map((key) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: 'x' }))));
    const result = await search('get', 'suggestKey', { filter: 'picker/' });
    expect(result.results.map((r) => r.value)).toEqual(['picker/docs/', 'picker/img/', 'picker/readme.txt', 'picker/zebra.jpg']);
    expect(result.results[0]).toEqual({ name: 'picker/docs/', value: 'picker/docs/', description: 'Folder' });
    expect(result.results[2]!.description).toMatch(/^1 byte, \d{4}-\d{2}-\d{2}$/);
    expect(result.paginationToken).toBeUndefined();
  });

  it('offers only images for resize’s source, as the manifest says', async () => {
    const result = await search('resize', 'suggestKey', { filter: 'picker/' });
    expect(result.results.map((r) => r.value)).toEqual(['picker/docs/', 'picker/img/', 'picker/zebra.jpg']);
  });

  it('pages with n8n’s pagination token: 150 objects in pages of 100', async () => {
    await Promise.all(Array.from({ length: 150 }, (_, i) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `paged/${String(i).padStart(3, '0')}.txt`, Body: 'x' }))));
    const first = await search('get', 'suggestKey', { filter: 'paged/' });
    expect(first.results).toHaveLength(100);
    expect(first.paginationToken).toEqual(expect.any(String));
    const second = await search('get', 'suggestKey', { filter: 'paged/', paginationToken: first.paginationToken! });
    expect(second.results.map((r) => r.value)).toEqual(Array.from({ length: 50 }, (_, i) => `paged/${String(100 + i).padStart(3, '0')}.txt`));
    expect(second.paginationToken).toBeUndefined();
  });

  it('shows our diagnosis under the field when the connection is wrong', async () => {
    const error = (await search('get', 'suggestKey', { credentials: s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' }) }).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { context?: object };
    expect(error.message).toMatch(/secret access key does not match/i);
    expect(error.context).toMatchObject({ code: 'InvalidCredentials', retryable: false });
  });

  it('runs with the picked value: the node reads the key back out of the resource locator, expressions included', async () => {
    const picked = s3Node('Picked', { operation: 'get', key: { __rl: true, mode: 'list', value: 'picker/readme.txt' }, as: 'text' });
    const typed = node('Typed', n8n.nodeType, { operation: 'head', key: { __rl: true, mode: 'id', value: '={{ $json.key }}' } }, [400, 0]);
    const run = await n8n.run([start, picked, typed], chain('Start', 'Picked', 'Typed'), { credentials: credentials() });
    expect(output(run, 'Picked')[0]!.json).toMatchObject({ key: 'picker/readme.txt', text: 'x' });
    expect(output(run, 'Typed')[0]!.json).toMatchObject({ key: 'picker/readme.txt', size: 1 });
  });
});

describe('the credential’s Test button', () => {
  it('says the credentials work, as testConnection does', async () => {
    const result = await n8n.testCredential(s3.connection());
    expect(result.status).toBe('OK');
    expect(result.message).toMatch(/test-bucket/);
  });

  it('shows our diagnosis of a wrong secret, not a raw SDK error', async () => {
    const result = await n8n.testCredential(s3.connection({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGKEY' }));
    expect(result.status).toBe('Error');
    expect(result.message).toMatch(/secret access key does not match/i);
    expect(result.message).not.toMatch(/SignatureDoesNotMatch|wJalrXUtnFEMI/);
  });
});
