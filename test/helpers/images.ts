/**
 * Images for the resize tests, made by sharp in the test itself, and the small tools to put them in
 * the emulator and read results back.
 */
import { Readable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import type { ActionHandler, FileRef, FileStore } from '../../src/contract.js';
import type { ConnectorError } from '../../src/errors.js';
import type { useEmulator } from './emulator.js';

/** A photo-like JPEG: a gradient under noise, so it compresses like a photo rather than a flat fill. */
export async function photo(width: number, height: number, options: { quality?: number } = {}): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .raw()
    .toBuffer();
  const gradient = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      gradient[o] = (x * 255) / width;
      gradient[o + 1] = (y * 255) / height;
      gradient[o + 2] = 96;
    }
  }
  return sharp(gradient, { raw: { width, height, channels: 3 } })
    .composite([{ input: noise, raw: { width, height, channels: 3 }, blend: 'overlay' }])
    .jpeg({ quality: options.quality ?? 85 })
    .toBuffer();
}

/** A flat image in `format` (with an alpha channel when `alpha`). */
export async function flat(width: number, height: number, format: 'png' | 'webp' | 'avif' | 'gif' | 'tiff' | 'jpeg', options: { alpha?: boolean; colour?: string } = {}): Promise<Buffer> {
  const channels = options.alpha ? 4 : 3;
  const background = options.alpha ? { r: 200, g: 40, b: 40, alpha: 0.5 } : (options.colour ?? '#c82828');
  return sharp({ create: { width, height, channels, background } })[format]().toBuffer();
}

/** An animated GIF or WebP: `frames` frames of width x height, each a different shade. */
export async function animation(width: number, height: number, frames: number, format: 'gif' | 'webp'): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * frames * 4);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < width * height; i++) {
      const o = (f * width * height + i) * 4;
      pixels.set([(f * 60) % 256, 80, 160, 255], o);
    }
  }
  const image = sharp(pixels, { raw: { width, height: height * frames, channels: 4, pageHeight: height } });
  return format === 'gif' ? image.gif({ delay: Array(frames).fill(100), loop: 0 }).toBuffer() : image.webp({ delay: 100, loop: 0 }).toBuffer();
}

/** A JPEG stored sideways with an EXIF Orientation tag, as phones write them: red left half, blue right half as stored. */
export async function oriented(width: number, height: number, orientation: number): Promise<Buffer> {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#0000ff' } })
    .composite([{ input: { create: { width: half, height, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }])
    .jpeg()
    .withMetadata({ orientation })
    .toBuffer();
}

/** A CMYK JPEG with sharp's built-in CMYK profile, as print workflows leave them. */
export async function cmyk(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3080c0' } }).withIccProfile('cmyk').jpeg().toBuffer();
}

/** A PNG whose header claims width x height over a few bytes of data: a decompression bomb's shape. */
export function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of an iPhone HEIC: an ISO-BMFF `ftyp` box with the heic brand. */
export function heicHeader(): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'latin1'), Buffer.alloc(4), Buffer.from('mif1heic', 'latin1')]);
  return Buffer.concat([ftyp, Buffer.alloc(200)]);
}

export async function putObject(client: S3Client, bucket: string, key: string, body: Buffer | string, contentType = 'image/jpeg'): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

export async function getObject(client: S3Client, bucket: string, key: string) {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await answer.Body!.transformToByteArray());
  return { body, contentType: answer.ContentType, cacheControl: answer.CacheControl, metadata: answer.Metadata ?? {}, meta: await sharp(body).metadata() };
}

export async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A host's file store in memory, for the "no destination" mode. */
export function memoryFiles(): FileStore & { saved: Map<string, { name: string; data: Buffer; contentType?: string | undefined }> } {
  const saved = new Map<string, { name: string; data: Buffer; contentType?: string | undefined }>();
  return {
    saved,
    async write(file): Promise<FileRef> {
      const chunks: Buffer[] = [];
      if (file.data instanceof Uint8Array) chunks.push(Buffer.from(file.data));
      else for await (const chunk of file.data as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      const id = `file-${saved.size + 1}`;
      const data = Buffer.concat(chunks);
      saved.set(id, { name: file.name, data, contentType: file.contentType });
      return { id, name: file.name, size: data.length, ...(file.contentType ? { contentType: file.contentType } : {}) };
    },
    async read(ref) {
      const file = saved.get(ref.id);
      if (!file) throw new Error(`No file ${ref.id}`);
      return Readable.from([file.data]);
    },
  };
}

type Emulated = ReturnType<typeof useEmulator>;

/**
 * Calls an action on the emulator's connection: `run` resolves with its output, `failure` with the
 * ConnectorError it threw (and fails the test if it did not throw).
 */
export function caller<O>(s3: Emulated, action: ActionHandler) {
  const run = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) => action(input, { connection: s3.connection(), ...extra }) as Promise<O>;
  const failure = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    run(input, extra).then(
      () => {
        throw new Error('expected the action to fail');
      },
      (error: ConnectorError) => error,
    );
  return { run, failure };
}
