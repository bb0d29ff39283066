/**
 * sharp, loaded on the first resize and set up once for a long-running host process.
 * Loading lazily keeps libvips (about 30 MB of RSS) out of hosts that never resize, and lets every
 * other action work on platforms where sharp's prebuilt binary is missing.
 */
import type { Sharp, SharpOptions } from 'sharp';
import { ConnectorError } from '../errors.js';

export type SharpFactory = (input: Buffer, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | undefined;

async function load(): Promise<SharpFactory> {
  const { default: sharp } = await import('sharp');
  // One libvips thread per image. Throughput comes from images side by side (the host's parallel
  // runs, resizeMany's `concurrency`): measured here on 2 cores, a 12 MP JPEG to 200x200 ran 26
  // images/s with one thread and 25 with two; two images in flight ran 51/s with one thread each
  // and 43/s with two. With glibc's allocator more threads per image also fragment memory, which
  // is why sharp itself picks 1 there; we pin it so the choice holds with jemalloc or musl too.
  sharp.concurrency(1);
  // No operation cache: every call decodes a different object, so libvips' cache (50 MB, 100
  // operations by default) would hold pixels that are never asked for again and keep RSS high.
  sharp.cache(false);
  return sharp as unknown as SharpFactory;
}

/** The configured sharp; an UnsupportedImage naming the cause when its native binary cannot load. */
export function loadSharp(): Promise<SharpFactory> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw new ConnectorError(
      'UnsupportedImage',
      `Image processing is not available on this host: sharp could not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)}). Install sharp's prebuilt binary for this platform (npm install --os=... --cpu=... sharp).`,
      { retryable: false, cause: error },
    );
  });
  return loading;
}
