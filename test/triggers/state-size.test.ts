/**
 * The contract caps a trigger's state at 64 KiB. This fills every set scan mode keeps at once, with
 * keys of about 1,000 bytes (S3 allows 1,024), through real polls, and measures the state after each.
 */
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { TriggerState } from '../../src/contract.js';
import { SEEN_CAPACITY, UPLOAD_CAPACITY } from '../../src/triggers/limits.js';
import { useEmulator } from '../helpers/emulator.js';
import { eachLimit, rawClient } from '../helpers/seed.js';
import { seedDirectly, trigger, useEmulatorDirectory } from './helpers.js';

const directory = useEmulatorDirectory();
const s3 = useEmulator({ directory });

/** About 1,000 bytes, in folders whose names stay under the file system's 255. */
const longKey = (kind: string, i: number) => `worst/${['a', 'b', 'c', 'd'].map((c) => c.repeat(200)).join('/')}/${kind}-${String(i).padStart(5, '0')}-${'e'.repeat(180)}`;

interface Measured {
  bytes: number;
  seen: number;
  uploads: number;
  batch: number;
  cursor: number;
  backfillAfter: number;
}

function measure(state: TriggerState): Measured {
  const s = state as { seen?: string; uploads?: string; backfill?: { batch: unknown[]; after?: { k: string } }; sweep?: { cursor?: string } };
  return {
    bytes: Buffer.byteLength(JSON.stringify(state)),
    seen: Buffer.from(s.seen ?? '', 'base64').length / 10,
    uploads: Buffer.from(s.uploads ?? '', 'base64').length / 15,
    batch: s.backfill?.batch.length ?? 0,
    cursor: s.sweep?.cursor?.length ?? 0,
    backfillAfter: s.backfill?.after?.k.length ?? 0,
  };
}

describe('the state of scan mode', () => {
  it('stays under 64 KiB with every set full and the longest keys', async () => {
    const connection = s3.connection();
    const since = Math.floor(Date.now() / 1000) - 3000;
    // Existing objects for backfill, and more multipart uploads in progress than the state follows.
    await seedDirectly(directory, s3.bucket, Array.from({ length: 1200 }, (_, i) => ({ key: longKey('backfill', i), time: new Date((since + i) * 1000) })));
    const client = rawClient(s3.endpoint);
    await eachLimit(Array.from({ length: UPLOAD_CAPACITY + 20 }, (_, i) => longKey('upload', i)), 16, (key) => client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key })));
    client.destroy();
    const input = { prefix: 'worst/', pagesPerPoll: 1, backfillSince: new Date(since * 1000).toISOString() };
    let state = await trigger.enable!(input, { connection });
    // More new objects inside the look-back window than the state remembers, over 100 seconds, so that
    // those it keeps are still inside the window during the second sweep.
    const cut = (state as { cut: number }).cut;
    await seedDirectly(directory, s3.bucket, Array.from({ length: SEEN_CAPACITY + 100 }, (_, i) => ({ key: longKey('window', i), time: new Date((cut + 1 + (i % 100)) * 1000) })));

    // Five polls sweep the 4,300 keys (one page each) and release the first backfill batch; three more
    // are midway through the second sweep, with the backfill's resume key besides the cursor.
    const sizes: Measured[] = [];
    const warnings: string[] = [];
    for (let poll = 0; poll < 8; poll++) {
      const result = await trigger.poll(input, { connection, state });
      warnings.push(...(result.warnings ?? []));
      state = result.state;
      sizes.push(measure(state));
    }
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    console.log(`Largest scan state: ${largest.bytes.toLocaleString('en')} bytes (${JSON.stringify(largest)})`);
    expect(largest.seen).toBeGreaterThan(SEEN_CAPACITY * 0.95);
    expect(largest.uploads).toBe(UPLOAD_CAPACITY);
    expect(largest.batch).toBeGreaterThan(0);
    expect(largest.cursor).toBeGreaterThan(1300);
    expect(largest.backfillAfter).toBeGreaterThan(1300);
    expect(largest.bytes).toBeLessThan(64 * 1024);
    expect(warnings.join(' ')).toContain(`than the ${UPLOAD_CAPACITY} the trigger's state follows`);
    expect(warnings.join(' ')).toContain(`More than ${SEEN_CAPACITY.toLocaleString('en')} objects under "worst/" changed`);
  }, 120_000);
});
