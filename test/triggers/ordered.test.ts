/**
 * "New or updated object" in ordered mode, for keys that only grow, against the real emulator: one
 * listing request per poll, late keys inside its buffer, and, stated as a test, what it cannot see.
 */
import { describe, expect, it } from 'vitest';
import type { TriggerEvent } from '../../src/contract.js';
import { keysOf, pollUntilSettled, seedDirectly, trigger, useTriggerScene } from './helpers.js';

const { directory, s3, proxy, put } = useTriggerScene();
const dataOf = (event: TriggerEvent) => event.data as { key: string; backfill?: boolean; degraded?: string };
const hourAgo = () => new Date(Date.now() - 3_600_000);

describe('ordered mode', () => {
  it('costs one listing request per poll once it knows where the keys end, and fires in key order', async () => {
    const connection = s3.connection({ endpoint: proxy.endpoint });
    const input = { prefix: 'logs/', mode: 'ordered' };
    await seedDirectly(directory, s3.bucket, Array.from({ length: 2500 }, (_, i) => ({ key: `logs/2024-01-01T${String(i).padStart(6, '0')}.log`, time: hourAgo() })));
    const enabled = await trigger.enable!(input, { connection });
    const baseline = await pollUntilSettled(input, connection, enabled);
    expect(baseline.events).toEqual([]);

    await put('logs/2024-01-02T000001.log');
    await put('logs/2024-01-02T000000.log');
    const before = proxy.requests.length;
    const poll = await trigger.poll(input, { connection, state: baseline.state });
    // Starting after the key before the 100 most recent (2,400 to 2,499), which it reads again.
    expect(proxy.requests.slice(before)).toEqual([expect.stringMatching(/^GET \/test-bucket\/\?.*list-type=2.*&start-after=logs%2F2024-01-01T002399\.log$/)]);
    expect(poll.more).toBeUndefined();
    expect(keysOf(poll.events)).toEqual(['logs/2024-01-02T000000.log', 'logs/2024-01-02T000001.log']);
    expect((await trigger.poll(input, { connection, state: poll.state })).events).toEqual([]);
  });

  it('fires for a late key that sorts among its recent keys, and for an overwrite of one', async () => {
    const connection = s3.connection();
    const input = { prefix: 'late/', mode: 'ordered', bufferKeys: 3 };
    await seedDirectly(directory, s3.bucket, Array.from({ length: 10 }, (_, i) => ({ key: `late/${String(i + 1).padStart(3, '0')}`, time: hourAgo() })));
    const settled = await pollUntilSettled(input, connection, await trigger.enable!(input, { connection }));
    // The three most recent keys are 008, 009 and 010.
    await put('late/0095');
    await put('late/010', 'rewritten');
    expect(keysOf((await pollUntilSettled(input, connection, settled.state)).events)).toEqual(['late/0095', 'late/010']);
  });

  it('never sees a key that sorts before its buffer of recent keys: what scan mode is for', async () => {
    const connection = s3.connection();
    const ordered = { prefix: 'behind/', mode: 'ordered', bufferKeys: 3 };
    const scan = { prefix: 'behind/' };
    await seedDirectly(directory, s3.bucket, Array.from({ length: 10 }, (_, i) => ({ key: `behind/${String(i + 1).padStart(3, '0')}`, time: hourAgo() })));
    const orderedState = (await pollUntilSettled(ordered, connection, await trigger.enable!(ordered, { connection }))).state;
    const scanState = (await pollUntilSettled(scan, connection, await trigger.enable!(scan, { connection }))).state;

    await put('behind/0055');
    expect((await pollUntilSettled(ordered, connection, orderedState)).events, 'documented: outside the buffer').toEqual([]);
    expect(keysOf((await pollUntilSettled(scan, connection, scanState)).events)).toEqual(['behind/0055']);
  });

  it('with backfillSince, sends the objects changed since then in key order, 100 per poll, then new ones', async () => {
    const connection = s3.connection();
    const start = Math.floor(Date.now() / 1000) - 1000;
    const objects = Array.from({ length: 250 }, (_, i) => ({ key: `grow/${String(i).padStart(4, '0')}.json`, time: new Date((start + i) * 1000) }));
    await seedDirectly(directory, s3.bucket, objects);
    const input = { prefix: 'grow/', mode: 'ordered', backfillSince: new Date((start + 20) * 1000).toISOString() };
    const { batches, state } = await pollUntilSettled(input, connection, await trigger.enable!(input, { connection }));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 30]);
    expect(keysOf(batches.flat())).toEqual(objects.slice(20).map((o) => o.key));
    expect(batches.flat().every((e) => dataOf(e).backfill === true)).toBe(true);

    await put('grow/9999.json');
    const live = await pollUntilSettled(input, connection, state);
    expect(keysOf(live.events)).toEqual(['grow/9999.json']);
    expect(dataOf(live.events[0]!).backfill).toBeUndefined();
  });

  it('keeps fewer recent keys when keys are long, says so, and stays under 64 KiB', async () => {
    const connection = s3.connection();
    const input = { prefix: 'long/', mode: 'ordered', bufferKeys: 100 };
    // Keys of about 1,000 bytes (S3 allows 1,024), in folders with 195-byte names (a file name holds at most 255).
    const keyAt = (i: number) => `long/${['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(195)).join('/')}-${String(i).padStart(4, '0')}`;
    await seedDirectly(directory, s3.bucket, Array.from({ length: 120 }, (_, i) => ({ key: keyAt(i), time: hourAgo() })));
    const settled = await pollUntilSettled(input, connection, await trigger.enable!(input, { connection }));
    expect(settled.warnings.join(' ')).toMatch(/too long for the trigger's state to keep the 100 most recent: it keeps 4\d,/);
    expect(Buffer.byteLength(JSON.stringify(settled.state))).toBeLessThan(64 * 1024);

    await put(keyAt(200));
    const next = await pollUntilSettled(input, connection, settled.state);
    expect(keysOf(next.events)).toEqual([keyAt(200)]);
    expect(dataOf(next.events[0]!).degraded).toContain('fires only if it sorts after the 4');
  });
});
