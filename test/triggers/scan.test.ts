/**
 * "New or updated object" in scan mode against the real emulator: each way today's triggers lose or
 * repeat files (issue #10) is a test here that the Activepieces design (a host-clock timestamp and
 * `LastModified > lastPoll` over the first 10,000 keys) would fail.
 */
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { TriggerEvent } from '../../src/contract.js';
import { atSecondStart, keysOf, pollUntilSettled, seedDirectly, stored, trigger, useTriggerScene } from './helpers.js';

const { directory, s3, writer, put } = useTriggerScene();
const seconds = (iso: string) => Date.parse(iso) / 1000;
const dataOf = (event: TriggerEvent) => event.data as { key: string; etag: string; lastModified: string; size: number; backfill?: boolean };

describe('turning the trigger on', () => {
  it('fires nothing for the objects that exist already, then once for each object written after', async () => {
    const connection = s3.connection();
    const input = { prefix: 'first/' };
    await Promise.all([put('first/a.txt'), put('first/b.txt')]);
    const enabled = await trigger.enable!(input, { connection });
    expect((await pollUntilSettled(input, connection, enabled)).events).toEqual([]);

    await put('first/c.txt');
    const after = await pollUntilSettled(input, connection, enabled);
    expect(keysOf(after.events)).toEqual(['first/c.txt']);
    expect(after.events[0]).toMatchObject({ type: 'object.changed', data: { key: 'first/c.txt', size: 'first/c.txt'.length, storageClass: 'STANDARD' } });
    expect((await pollUntilSettled(input, connection, after.state)).events).toEqual([]);
  });

  it('baselines on a first poll without enable, as a host that lacks it calls the trigger', async () => {
    const connection = s3.connection();
    const input = { prefix: 'no-enable/' };
    await put('no-enable/old.txt');
    const first = await trigger.poll(input, { connection, state: undefined });
    expect(first.events).toEqual([]);
    await put('no-enable/new.txt');
    expect(keysOf((await pollUntilSettled(input, connection, first.state)).events)).toEqual(['no-enable/new.txt']);
  });
});

describe('objects written in the same second', () => {
  it('fires for each object written in the second of the watermark, after the poll that set it, exactly once', async () => {
    const connection = s3.connection();
    const input = { prefix: 'same-second/' };
    let state = await trigger.enable!(input, { connection });
    // Retried when the machine is too slow to fit the poll and the writes in one second.
    for (let attempt = 1; ; attempt++) {
      await atSecondStart();
      await put(`same-second/${attempt}-before.txt`);
      const watermarked = await pollUntilSettled(input, connection, state);
      const writes = [1, 2, 3].map((n) => `same-second/${attempt}-after-${n}.txt`);
      await Promise.all(writes.map((key) => put(key)));
      const next = await pollUntilSettled(input, connection, watermarked.state);
      const all = [...watermarked.events, ...next.events];
      const dates = new Set(all.map((e) => dataOf(e).lastModified));
      if (dates.size > 1 && attempt < 3) {
        state = next.state;
        continue;
      }
      expect(dates.size, 'every write in one second').toBe(1);
      // The watermark (the poll's clock, from S3's Date header) is that very second: `LastModified > lastPoll` drops all three.
      expect((watermarked.state as { prev: number }).prev).toBe(seconds([...dates][0]!));
      expect(keysOf(watermarked.events)).toEqual([`same-second/${attempt}-before.txt`]);
      expect(keysOf(next.events).sort()).toEqual(writes);
      expect((await pollUntilSettled(input, connection, next.state)).events).toEqual([]);
      return;
    }
  });
});

describe('an overwrite', () => {
  it('fires again for new bytes under the same key, with a new id, while a replayed poll repeats the same ids', async () => {
    const connection = s3.connection();
    const input = { prefix: 'overwrite/' };
    const enabled = await trigger.enable!(input, { connection });
    await put('overwrite/report.csv', 'v1');
    const first = await trigger.poll(input, { connection, state: stored(enabled) });
    const replayed = await trigger.poll(input, { connection, state: stored(enabled) });
    expect(replayed.events).toEqual(first.events);
    expect(keysOf(first.events)).toEqual(['overwrite/report.csv']);

    await put('overwrite/report.csv', 'version two');
    const second = await pollUntilSettled(input, connection, first.state);
    expect(keysOf(second.events)).toEqual(['overwrite/report.csv']);
    expect(second.events[0]!.id).not.toBe(first.events[0]!.id);
    expect(dataOf(second.events[0]!)).toMatchObject({ size: 'version two'.length });
    expect(dataOf(second.events[0]!).etag).not.toBe(dataOf(first.events[0]!).etag);
  });
});

describe('what is watched', () => {
  it('takes the prefix verbatim: "inv/" never fires for "inv2/" or "invoices/"', async () => {
    const connection = s3.connection();
    const input = { prefix: 'inv/' };
    const enabled = await trigger.enable!(input, { connection });
    await Promise.all(['inv/1.pdf', 'inv2/1.pdf', 'invoices/1.pdf', 'inv/sub/2.pdf'].map((key) => put(key)));
    expect(keysOf((await pollUntilSettled(input, connection, enabled)).events).sort()).toEqual(['inv/1.pdf', 'inv/sub/2.pdf']);
  });

  it('leaves out subfolders, folder markers and other endings when asked, ignoring the case of the ending', async () => {
    const connection = s3.connection();
    const input = { prefix: 'photos/', subfolders: false, suffixes: ['.jpg'] };
    const enabled = await trigger.enable!(input, { connection });
    await Promise.all(['photos/a.JPG', 'photos/b.png', 'photos/2024/c.jpg'].map((key) => put(key)));
    await put('photos/album.jpg/', '');
    expect(keysOf((await pollUntilSettled(input, connection, enabled)).events)).toEqual(['photos/a.JPG']);

    const markers = { prefix: 'markers/' };
    const markersEnabled = await trigger.enable!(markers, { connection });
    await put('markers/folder/', '');
    await put('markers/folder/file.txt');
    expect(keysOf((await pollUntilSettled(markers, connection, markersEnabled)).events)).toEqual(['markers/folder/file.txt']);
    const withMarkers = { ...markers, skipFolderMarkers: false };
    const all = await trigger.enable!(withMarkers, { connection });
    await put('markers/other/', '');
    expect(keysOf((await pollUntilSettled(withMarkers, connection, all)).events)).toEqual(['markers/other/']);
  });

  it('gives keys relative to the base path, which the prefix cannot escape', async () => {
    const connection = s3.connection({ basePath: 'tenant-a/' });
    const input = { prefix: 'in/' };
    const enabled = await trigger.enable!(input, { connection });
    await Promise.all([put('tenant-a/in/x.txt'), put('tenant-b/in/y.txt')]);
    expect(keysOf((await pollUntilSettled(input, connection, enabled)).events)).toEqual(['in/x.txt']);

    const escape = trigger.poll({ prefix: '../tenant-b/' }, { connection, state: enabled });
    await expect(escape).rejects.toMatchObject({ name: 'ConnectorError', code: 'InvalidInput', field: '/prefix' });
    await expect(escape).rejects.toThrow('Expected `prefix` to stay inside the base path "tenant-a/"');
  });
});

describe('a multipart upload', () => {
  it('fires when it completes after the baseline, though S3 dates it from before, when it began', async () => {
    const connection = s3.connection();
    const input = { prefix: 'uploads/' };
    const key = 'uploads/video.mp4';
    const { UploadId } = await writer().send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const enabled = await trigger.enable!(input, { connection });
    const before = await pollUntilSettled(input, connection, enabled);
    expect(before.events).toEqual([]);

    const part = await writer().send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId, PartNumber: 1, Body: 'frames' }));
    await writer().send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    const after = await pollUntilSettled(input, connection, before.state);
    expect(keysOf(after.events)).toEqual([key]);
    // Dated before the trigger was turned on: any timestamp-only trigger drops it.
    expect(seconds(dataOf(after.events[0]!).lastModified)).toBeLessThan((enabled as { cut: number }).cut);
    expect((await pollUntilSettled(input, connection, after.state)).events).toEqual([]);
  });
});

describe('backfillSince', () => {
  it('sends the objects changed since then, oldest first, 100 per poll, then only new ones', async () => {
    const connection = s3.connection();
    const start = Math.floor(Date.now() / 1000) - 1000;
    // Dated one second apart, in an order unrelated to their keys.
    const objects = Array.from({ length: 260 }, (_, i) => ({ key: `backfill/${String((i * 7919) % 260).padStart(3, '0')}.txt`, time: new Date((start + i) * 1000) }));
    await seedDirectly(directory, s3.bucket, objects);
    const input = { prefix: 'backfill/', backfillSince: new Date((start + 20) * 1000).toISOString() };
    const enabled = await trigger.enable!(input, { connection });

    const { batches, state } = await pollUntilSettled(input, connection, enabled);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 40]);
    const sent = batches.flat();
    expect(keysOf(sent)).toEqual(objects.slice(20).map((o) => o.key));
    expect(sent.every((e) => dataOf(e).backfill === true)).toBe(true);

    await put('backfill/new.txt');
    const live = await pollUntilSettled(input, connection, state);
    expect(keysOf(live.events)).toEqual(['backfill/new.txt']);
    expect(dataOf(live.events[0]!).backfill).toBeUndefined();
  });
});

describe('Test trigger (sample)', () => {
  it('shows the newest objects first, not the first keys in alphabetical order, and changes nothing', async () => {
    const connection = s3.connection();
    const input = { prefix: 'sample/' };
    const base = Math.floor(Date.now() / 1000) - 100;
    await seedDirectly(directory, s3.bucket, [
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) => ({ key: `sample/${name}-old.txt`, time: new Date((base + i) * 1000) })),
      { key: 'sample/y-newer.txt', time: new Date((base + 50) * 1000) },
      { key: 'sample/z-newest.txt', time: new Date((base + 60) * 1000) },
    ]);
    const enabled = await trigger.enable!(input, { connection });
    await put('sample/m-now.txt');
    const sample = await trigger.sample(input, { connection });
    expect(keysOf(sample)).toEqual(['sample/m-now.txt', 'sample/z-newest.txt', 'sample/y-newer.txt', 'sample/f-old.txt', 'sample/e-old.txt']);
    expect(sample[0]).toMatchObject({ type: 'object.changed', occurredAt: dataOf(sample[0]!).lastModified });
    // What the sample showed still fires: sampling kept no state of its own.
    expect(keysOf((await pollUntilSettled(input, connection, enabled)).events)).toEqual(['sample/m-now.txt']);
  });
});

describe('bad input', () => {
  it('is refused naming the field and what it expects, before any request', async () => {
    // Nothing listens there: a request would fail with Network, not InvalidInput.
    const connection = s3.connection({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const poll = (input: object) => trigger.poll(input, { connection, state: undefined });
    await expect(poll({ mode: 'fast' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/mode', message: 'Expected one of "scan", "ordered" for `mode` but received "fast".' });
    await expect(poll({ lookbackSeconds: 5 })).rejects.toMatchObject({ code: 'InvalidInput', field: '/lookbackSeconds', message: 'Expected integer between 30 and 3600 for `lookbackSeconds` but received 5.' });
    await expect(poll({ backfillSince: 'yesterday' })).rejects.toMatchObject({ code: 'InvalidInput', field: '/backfillSince', message: 'Expected a valid date-time for `backfillSince` but received "yesterday".' });
    await expect(trigger.sample({ prefix: '/abs' }, { connection })).rejects.toMatchObject({ code: 'InvalidInput', field: '/prefix', message: expect.stringContaining('drop the leading "/"') });
  });
});

describe('a changed input or a damaged state', () => {
  it('starts over from a new baseline, and says so', async () => {
    const connection = s3.connection();
    const enabled = await trigger.enable!({ prefix: 'change/a/' }, { connection });
    await put('change/b/existing.txt');
    const moved = await trigger.poll({ prefix: 'change/b/' }, { connection, state: enabled });
    expect(moved.events).toEqual([]);
    expect(moved.warnings?.join(' ')).toContain("The trigger's input or connection changed: it starts over from now");
    await put('change/b/new.txt');
    expect(keysOf((await pollUntilSettled({ prefix: 'change/b/' }, connection, moved.state)).events)).toEqual(['change/b/new.txt']);

    const damaged = await trigger.poll({ prefix: 'change/b/' }, { connection, state: { v: 1, mode: 'scan', seen: 12 } });
    expect(damaged.events).toEqual([]);
    expect(damaged.warnings?.join(' ')).toContain('is not one this trigger wrote');
  });
});
