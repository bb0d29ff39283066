/**
 * resizeMany's pipeline: sources are read ahead of sharp, within a memory budget counted in bytes
 * against `maxInputBytes`, and every stage of every source is logged at debug level with its times.
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../src/contract.js';
import type { SourceStages } from '../src/image/batch.js';
import { limiter, MemoryBudget } from '../src/image/pool.js';
import { actions } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { photo, putObject } from './helpers/images.js';
import { eachLimit, rawClient } from './helpers/seed.js';

const s3 = useEmulator();

/** Settles pending promise callbacks. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** `count` copies of one photo under `prefix`; their keys, and the photo's size in bytes. */
async function seedPhotos(prefix: string, count: number, width: number, height: number): Promise<{ keys: string[]; bytes: number }> {
  const client = rawClient(s3.endpoint);
  const image = await photo(width, height);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}img-${String(i).padStart(2, '0')}.jpg`);
  await eachLimit(keys, 8, (key) => putObject(client, s3.bucket, key, image));
  return { keys, bytes: image.length };
}

describe('the memory budget', () => {
  it('lets sources in up to its window, first come first served, and one more each time it widens', async () => {
    const budget = new MemoryBudget({ maxBytes: 1000, initialSources: 2, maxSources: 3 });
    const admitted: string[] = [];
    const holds = ['a', 'b', 'c', 'd'].map((name) => budget.holdSource(10).then((hold) => (admitted.push(name), hold)));
    await tick();
    expect(admitted).toEqual(['a', 'b']);
    budget.widen();
    await tick();
    expect(admitted).toEqual(['a', 'b', 'c']);
    budget.widen(); // already at maxSources
    await tick();
    expect(admitted).toEqual(['a', 'b', 'c']);
    (await holds[0]!).release();
    await tick();
    expect(admitted).toEqual(['a', 'b', 'c', 'd']);
    expect(budget.sources).toEqual({ held: 3, window: 3 });
  });

  it('holds no more bytes than its limit, counting rendered images too, but always lets one source in', async () => {
    const budget = new MemoryBudget({ maxBytes: 100, initialSources: 10, maxSources: 10 });
    const first = await budget.holdSource(60);
    let second: Awaited<ReturnType<MemoryBudget['holdSource']>> | undefined;
    void budget.holdSource(50).then((hold) => (second = hold));
    await tick();
    expect(second).toBeUndefined();
    expect(budget.bytes).toBe(60);
    // A rendered image is memory already in use: counted at once, and it keeps the next source out.
    const rendered = budget.take(60);
    first.release();
    await tick();
    expect(second).toBeUndefined();
    rendered.release();
    await tick();
    expect(second).toBeDefined();
    expect(budget.bytes).toBe(50);
    second!.add(25); // the object grew since it was listed
    expect(budget.bytes).toBe(75);
    second!.release();
    second!.release(); // once only
    expect(budget.bytes).toBe(0);
    // Larger than the whole budget, with nothing held: let in, or it would never run.
    const huge = await budget.holdSource(500);
    expect(budget.bytes).toBe(500);
    huge.release();
  });

  it('hears from the CPU limiter when a slot frees with nobody waiting for it', async () => {
    let idle = 0;
    const cpu = limiter(1, () => idle++);
    let finish!: () => void;
    const first = cpu(() => new Promise<void>((resolve) => (finish = resolve)));
    const second = cpu(async () => undefined);
    finish();
    await first;
    await second;
    // The first slot went straight to the waiting second: only the second left it idle.
    expect(idle).toBe(1);
  });
});

describe('a run', () => {
  it('reads ahead of sharp within the byte budget, and logs each stage of each source', async () => {
    const { keys, bytes } = await seedPhotos('ahead/', 12, 120, 90);
    const stages: SourceStages[] = [];
    const logger: Logger = {
      debug: (message, data) => message === 'resizeMany: stages' && stages.push(data as SourceStages),
      info() {},
      warn() {},
      error() {},
    };
    // Room for two sources at a time (concurrency 1 × 2 × maxInputBytes holds two of these, not three).
    const maxInputBytes = Math.ceil(bytes * 1.2);
    const out = (await actions.resizeMany!(
      { prefix: 'ahead/', sizes: ['24x24'], destinationKey: 'ahead-out/{name}.{ext}', concurrency: 1, maxInputBytes },
      { connection: s3.connection(), logger },
    )) as { processed: number };
    expect(out.processed).toBe(12);
    expect(stages.map((s) => s.key).sort()).toEqual(keys);

    for (const s of stages) {
      expect(s.check![0]).toBeLessThanOrEqual(s.queue![0]);
      expect(s.queue![1]).toBeLessThanOrEqual(s.download![0]);
      expect(s.download![1]).toBeLessThanOrEqual(s.render[0]![1]);
      expect(s.render[0]![2]).toBeLessThanOrEqual(s.upload[0]![0]);
    }
    // In hand: from admitted to its last render. Never more than the bytes allow.
    const inHand = stages.flatMap((s) => [
      { at: s.queue![1], change: 1 },
      { at: s.render.at(-1)![2], change: -1 },
    ]);
    inHand.sort((a, b) => a.at - b.at || a.change - b.change);
    let held = 0;
    let most = 0;
    for (const { change } of inHand) most = Math.max(most, (held += change));
    expect(most).toBeLessThanOrEqual(2);
    // One CPU slot: sharp renders one image at a time.
    const renders = stages.map((s) => s.render[0]!).sort((a, b) => a[1] - b[1]);
    for (const [i, render] of renders.entries()) if (i > 0) expect(render[1]).toBeGreaterThanOrEqual(renders[i - 1]![2]);
  });

  it('reads ahead under the host\'s signal without Node warning of a listener leak', async () => {
    await seedPhotos('signal/', 24, 60, 40);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const out = (await actions.resizeMany!(
        { prefix: 'signal/', sizes: ['16x16'], destinationKey: 'signal-out/{name}.{ext}', concurrency: 4 },
        { connection: s3.connection(), signal: new AbortController().signal },
      )) as { processed: number };
      expect(out.processed).toBe(24);
      // Warnings are emitted on the next tick.
      await tick();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

