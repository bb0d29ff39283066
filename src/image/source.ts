/**
 * Reading a source image: its bytes (within the byte limit) and its header (format, size, frames,
 * within the pixel limit), before a single pixel is decoded.
 */
import type { RunContext } from '../action.js';
import type { HeadOutput } from '../generated/actions/head.output.js';
import { download, readAll } from '../transfer.js';
import { corrupt, notAnImage, tooManyBytes, tooManyPixels, undecodable } from './errors.js';
import { isComplete, isReadable, looksLikeText, sniffFormat, type SourceFormat } from './formats.js';
import type { SharpFactory } from './sharp.js';

export interface SourceImage {
  key: string;
  format: SourceFormat;
  /** After EXIF orientation; one frame. */
  width: number;
  height: number;
  frames: number;
  hasAlpha: boolean;
  bytes: number;
  /** False when the file ends before the image does (see isComplete). */
  complete: boolean | undefined;
}

/** sharp's decoder names for the formats it reads (besides `heif`, which is AVIF or HEIC). */
const LIBVIPS_FORMATS = new Map<string, SourceFormat>([
  ['jpeg', 'jpeg'],
  ['png', 'png'],
  ['webp', 'webp'],
  ['gif', 'gif'],
  ['tiff', 'tiff'],
  ['svg', 'svg'],
]);

export interface SourceLimits {
  maxInputBytes: number;
  maxInputPixels: number;
}

/**
 * GETs `key` into memory, refusing it before the download when S3 says it is over the limit.
 * sharp's stream input gathers the chunks and concatenates them before decoding anyway (libvips
 * needs the whole image), so reading it here costs nothing more, and lets the header be checked
 * before anything is decoded.
 */
export async function readSource(ctx: RunContext, key: string, limits: SourceLimits, field = '/key'): Promise<{ info: HeadOutput; data: Buffer }> {
  const { info, body } = await download(ctx, key, { field });
  try {
    return { info, data: await readAll(body, limits.maxInputBytes, (bytes) => tooManyBytes(key, bytes, limits.maxInputBytes), info.size) };
  } catch (error) {
    throw ctx.fail(error, { key });
  }
}

/**
 * The source's format and size from its header only; a crafted header claiming 40000x40000 is
 * refused here without decoding. Formats libvips cannot decode are named from their magic bytes.
 */
export async function inspectSource(sharp: SharpFactory, data: Buffer, key: string, contentType?: string): Promise<SourceImage> {
  if (data.length === 0) throw notAnImage(key, { text: false, empty: true, contentType });
  const sniffed = sniffFormat(data);
  if (sniffed && !isReadable(sniffed)) throw undecodable(key, sniffed);
  let meta;
  try {
    // The pixel limit is ours to check (next), with the dimensions in the message.
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (error) {
    if (sniffed) throw corrupt(key, sniffed, isComplete(sniffed, data) === false ? 'the file ends before the image does' : 'its header cannot be read', error);
    throw notAnImage(key, { text: looksLikeText(data), contentType }, error);
  }
  const format = meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'heic') : LIBVIPS_FORMATS.get(meta.format);
  if (!format) throw notAnImage(key, { text: false, contentType });
  if (!isReadable(format)) throw undecodable(key, format);
  const frames = meta.pages ?? 1;
  return {
    key,
    format,
    width: meta.autoOrient?.width ?? meta.width,
    height: meta.autoOrient?.height ?? meta.height,
    frames: frames > 1 && (format === 'gif' || format === 'webp') ? frames : 1,
    hasAlpha: meta.hasAlpha,
    bytes: data.length,
    complete: isComplete(format, data),
  };
}

/** Refuses a decompression bomb before decoding: every frame that will be decoded counts. */
export function checkPixels(source: SourceImage, framesDecoded: number, limit: number): void {
  if (source.width * source.height * framesDecoded > limit) {
    throw tooManyPixels(source.key, { width: source.width, height: source.height, frames: framesDecoded }, limit);
  }
}
