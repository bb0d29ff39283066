/**
 * scan mode at scale, against the real emulator: a prefix swept across polls, keys beyond the first
 * 10,000, a burst larger than the state remembers, and a poll that fails midway through its pages.
 * The objects are seeded straight into the emulator's folder (seedDirectly), so this file stays quick.
 */
import { describe, expect, it } from 'vitest';
import type { TriggerEvent } from '../../src/contract.js';
import { keysOf, pollUntilSettled, seedDirectly, stored, trigger, useTriggerScene } from './helpers.js';

const { directory, s3, proxy, put } = useTriggerScene();
const dataOf = (event: TriggerEvent) => event.data as { key: string; degraded?: string };

describe('a poll that fails midway', () => {
  it('is retried from the state the host kept: nothing lost, nothing sent twice, the state untouched (a failure, then a cancel)', async () => {
    const connection = s3.connection({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const input = { prefix: 'retry/', pagesPerPoll: 5 };
    const enabled = stored(await trigger.enable!(input, { connection }));
    // 1,500 objects written after the baseline: two listing pages.
    const time = new Date(((enabled as { cut: number }).cut + 2) * 1000);
    const keys = Array.from({ length: 1500 }, (_, i) => `retry/${String(i).padStart(4, '0')}.json`);
    await seedDirectly(directory, s3.bucket, keys.map((key) => ({ key, time })));

    const before = JSON.stringify(enabled);
    let lists = 0;
    proxy.failNext((request) => request.url!.includes('list-type=2') && ++lists === 2);
    const failed = trigger.poll(input, { connection, state: enabled });
    await expect(failed).rejects.toMatchObject({ name: 'ConnectorError', code: 'ServerError', retryable: true });
    expect(lists, 'the first page was listed before the second failed').toBe(2);
    expect(JSON.stringify(enabled)).toBe(before);

    // Cancelled by the host midway through its pages: Aborted, and the same state still works.
    const controller = new AbortController();
    const sent = proxy.requests.length;
    const cancelled = trigger.poll(input, { connection, state: enabled, signal: controller.signal });
    while (!proxy.requests.slice(sent).some((request) => request.includes('list-type=2'))) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: 'ConnectorError', code: 'Aborted', message: 'The run was cancelled.' });
    expect(JSON.stringify(enabled)).toBe(before);

    const retried = await pollUntilSettled(input, connection, enabled);
    expect(keysOf(retried.events).sort()).toEqual(keys);
    expect(new Set(retried.events.map((e) => e.id)).size).toBe(keys.length);
    expect((await pollUntilSettled(input, connection, retried.state)).events).toEqual([]);
  });

  it('keeps its state valid when the uploads listing fails too', async () => {
    const connection = s3.connection({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const input = { prefix: 'retry-uploads/' };
    const enabled = stored(await trigger.enable!(input, { connection }));
    await put('retry-uploads/a.txt');
    proxy.failNext((request) => request.url!.includes('uploads'));
    await expect(trigger.poll(input, { connection, state: enabled })).rejects.toThrow(/HTTP 500 \(InternalError\)/);
    expect(keysOf((await pollUntilSettled(input, connection, enabled)).events)).toEqual(['retry-uploads/a.txt']);
  });
});

describe('a large prefix', () => {
  it('is swept across several polls, resuming from its cursor with more: true, each object firing once', async () => {
    const connection = s3.connection();
    const input = { prefix: 'sweep/', pagesPerPoll: 1 };
    const old = new Date(Date.now() - 3_600_000);
    const existing = Array.from({ length: 2100 }, (_, i) => ({ key: `sweep/m/${String(i).padStart(5, '0')}.log`, time: old }));
    await seedDirectly(directory, s3.bucket, existing);
    const enabled = await trigger.enable!(input, { connection });

    // The baseline sweep takes three polls; a key written mid-sweep before the cursor fires in the next sweep.
    const first = await trigger.poll(input, { connection, state: enabled });
    expect(first.more).toBe(true);
    expect((first.state as { sweep?: { cursor?: string } }).sweep?.cursor).toBeDefined();
    await Promise.all([put('sweep/a-early.log'), put('sweep/z-late.log')]);
    const rest = await pollUntilSettled(input, connection, first.state);
    expect(rest.polls).toBe(2);
    expect(keysOf([...first.events, ...rest.events])).toEqual(['sweep/z-late.log']);
    const next = await pollUntilSettled(input, connection, rest.state);
    expect(next.polls).toBe(3);
    expect(keysOf(next.events)).toEqual(['sweep/a-early.log']);
    expect((await pollUntilSettled(input, connection, next.state)).events).toEqual([]);
  });

  it('sees keys beyond the first 10,000 in S3\'s order', async () => {
    const connection = s3.connection();
    const input = { prefix: 'big/' };
    const old = new Date(Date.now() - 3_600_000);
    // 10,050 existing keys in folders of 1,000 (the emulator walks folders; a flat one is quadratic).
    const existing = Array.from({ length: 10_050 }, (_, i) => ({ key: `big/${String(Math.floor(i / 1000)).padStart(2, '0')}/${String(i).padStart(5, '0')}.json`, time: old }));
    await seedDirectly(directory, s3.bucket, existing);
    const enabled = await trigger.enable!(input, { connection });
    // Written after the baseline, first and last in S3's order; the first sweep lists all 10,052 keys.
    await Promise.all([put('big/00/00000-new.json'), put('big/99/last.json')]);
    const swept = await pollUntilSettled(input, connection, enabled);
    expect(swept.polls, '10 pages per poll: the second poll lists keys 10,001 to 10,052').toBe(2);
    expect(keysOf(swept.events).sort()).toEqual(['big/00/00000-new.json', 'big/99/last.json']);
  }, 120_000);
});

describe('more changes inside the look-back window than the state remembers', () => {
  it('still fires each one once, says it degraded, and keeps the state under 64 KiB', async () => {
    const connection = s3.connection();
    const input = { prefix: 'burst/' };
    const enabled = await trigger.enable!(input, { connection });
    const time = new Date(((enabled as { cut: number }).cut + 2) * 1000);
    const keys = Array.from({ length: 3200 }, (_, i) => `burst/${String(Math.floor(i / 1000))}/${String(i).padStart(4, '0')}.json`);
    await seedDirectly(directory, s3.bucket, keys.map((key) => ({ key, time })));

    const burst = await pollUntilSettled(input, connection, enabled);
    expect(keysOf(burst.events).sort()).toEqual(keys);
    expect(burst.warnings.join(' ')).toContain('More than 3,000 objects under "burst/" changed within the 300-second look-back window');
    expect(dataOf(burst.events[0]!).degraded).toContain('the window shrinks');
    expect(Buffer.byteLength(JSON.stringify(burst.state))).toBeLessThan(64 * 1024);

    const later = await pollUntilSettled(input, connection, burst.state);
    expect(later.events, 'nothing sent twice').toEqual([]);
    // The burst was seeded 2 s ahead of S3's clock; a later write is dated after it on S3, so wait until
    // the emulator's clock (this process's) has passed it, or the write would predate the burst it follows.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, time.getTime() + 1000 - Date.now())));
    await put('burst/after.json');
    expect(keysOf((await pollUntilSettled(input, connection, later.state)).events)).toEqual(['burst/after.json']);
  });
});

