/**
 * A 256 MiB object through file refs, up and down, in constant memory: the whole point of file
 * mode. The content is generated as a stream and kept on disk by the test's file store, so the
 * only thing that could hold it in memory is the connector (or the emulator, in this process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actions } from '../src/index.js';
import { useEmulator } from './helpers/emulator.js';
import { diskFiles, generatedStream, type DiskFileStore } from './helpers/files.js';
import { peakRss } from './helpers/peak-rss.mjs';

const s3 = useEmulator();
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const MAX_RSS_GROWTH = 150 * MiB;

let files: DiskFileStore;
beforeAll(async () => {
  files = await diskFiles();
});
afterAll(async () => {
  await files?.close();
});

describe('a 256 MiB object through file refs', () => {
  it('uploads and downloads byte-exact while the process grows by less than 150 MiB', { timeout: 60_000 }, async () => {
    const generated = generatedStream(SIZE);
    const source = await files.add('big.bin', generated.stream, 'application/octet-stream');
    const digest = generated.sha256();
    expect(source.size).toBe(SIZE);
    const connection = s3.connection();

    const up = await peakRss(() => actions.put!({ key: 'large/256.bin', file: source }, { connection, files }));
    expect(up.result).toMatchObject({ key: 'large/256.bin', size: SIZE });
    expect(up.growth, `put grew RSS by ${(up.growth / MiB).toFixed(0)} MiB`).toBeLessThan(MAX_RSS_GROWTH);

    const down = await peakRss(() => actions.get!({ key: 'large/256.bin', as: 'file' }, { connection, files }) as Promise<{ size: number; file: { id: string; name: string } }>);
    expect(down.result.size).toBe(SIZE);
    expect(down.growth, `get grew RSS by ${(down.growth / MiB).toFixed(0)} MiB`).toBeLessThan(MAX_RSS_GROWTH);
    expect(await files.sha256(down.result.file)).toBe(digest);
  });
});
