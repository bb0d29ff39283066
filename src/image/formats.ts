/**
 * What the action writes and what it reads: output formats, source formats, and how to tell a
 * source's format from its first bytes (magic numbers), so a format the bundled libvips cannot
 * decode is named rather than reported as "not an image".
 */

export interface OutputFormatInfo {
  ext: string;
  contentType: string;
  /** Keeps transparency; otherwise alpha is flattened onto the background. */
  alpha: boolean;
  /** Keeps every frame of an animated GIF or WebP; otherwise the first frame is used. */
  animation: boolean;
  /** `quality` applies; PNG and GIF are lossless (GIF palette-quantised). */
  lossy: boolean;
}

export const OUTPUT_FORMATS = {
  jpeg: { ext: 'jpg', contentType: 'image/jpeg', alpha: false, animation: false, lossy: true },
  png: { ext: 'png', contentType: 'image/png', alpha: true, animation: false, lossy: false },
  webp: { ext: 'webp', contentType: 'image/webp', alpha: true, animation: true, lossy: true },
  avif: { ext: 'avif', contentType: 'image/avif', alpha: true, animation: false, lossy: true },
  gif: { ext: 'gif', contentType: 'image/gif', alpha: true, animation: true, lossy: false },
} as const satisfies Record<string, OutputFormatInfo>;

export type OutputFormat = keyof typeof OUTPUT_FORMATS;

interface SourceFormatInfo {
  label: string;
  /** What `format: "original"` writes; absent for formats the bundled libvips cannot decode. */
  original?: OutputFormat;
  extensions: readonly string[];
}

/**
 * Source formats by id. TIFF and SVG are read but not written: "original" turns a TIFF (mostly
 * scans and photos) into JPEG and an SVG (mostly drawings with transparency) into PNG.
 */
export const SOURCE_FORMATS = {
  jpeg: { label: 'JPEG', original: 'jpeg', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  png: { label: 'PNG', original: 'png', extensions: ['png'] },
  webp: { label: 'WebP', original: 'webp', extensions: ['webp'] },
  avif: { label: 'AVIF', original: 'avif', extensions: ['avif'] },
  gif: { label: 'GIF', original: 'gif', extensions: ['gif'] },
  tiff: { label: 'TIFF', original: 'jpeg', extensions: ['tif', 'tiff'] },
  svg: { label: 'SVG', original: 'png', extensions: ['svg'] },
  // Recognised, so the error can name them, but not decodable by sharp's prebuilt libvips.
  heic: { label: 'HEIC/HEIF (HEVC-coded)', extensions: ['heic', 'heif', 'hif'] },
  jxl: { label: 'JPEG XL', extensions: ['jxl'] },
  jp2: { label: 'JPEG 2000', extensions: ['jp2', 'j2k', 'jpf', 'jpx'] },
  bmp: { label: 'BMP', extensions: ['bmp'] },
  ico: { label: 'ICO (Windows icon)', extensions: ['ico', 'cur'] },
  psd: { label: 'Photoshop PSD', extensions: ['psd'] },
  pdf: { label: 'PDF', extensions: ['pdf'] },
  video: { label: 'MP4/QuickTime video', extensions: [] },
  zip: { label: 'ZIP archive', extensions: [] },
} as const satisfies Record<string, SourceFormatInfo>;

export type SourceFormat = keyof typeof SOURCE_FORMATS;

/** The formats this action reads, for messages: "JPEG, PNG, WebP, AVIF, GIF, TIFF and SVG". */
export const READABLE_LABELS = (Object.values(SOURCE_FORMATS) as SourceFormatInfo[])
  .filter((f) => f.original !== undefined)
  .map((f) => f.label)
  .join(', ')
  .replace(/, ([^,]+)$/, ' and $1');

export function isReadable(format: SourceFormat): boolean {
  return (SOURCE_FORMATS[format] as SourceFormatInfo).original !== undefined;
}

/** The format written for `format: "original"`. */
export function originalOutput(format: SourceFormat): OutputFormat | undefined {
  return (SOURCE_FORMATS[format] as SourceFormatInfo).original;
}

/** The source format a file name's extension names (case-insensitive), if any. */
export function formatOfExtension(ext: string): SourceFormat | undefined {
  const lower = ext.toLowerCase();
  return (Object.keys(SOURCE_FORMATS) as SourceFormat[]).find((id) =>
    (SOURCE_FORMATS[id].extensions as readonly string[]).includes(lower),
  );
}

/** ISO-BMFF brands (the `ftyp` box): AVIF and HEIC share the container and differ by codec. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const VIDEO_BRANDS = new Set(['isom', 'iso2', 'mp41', 'mp42', 'qt  ', 'M4V ', '3gp4', '3gp5', 'dash']);

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((b, i) => bytes[offset + i] === b);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(end, bytes.length) - start)).toString('latin1');
}

function isoBrand(bytes: Uint8Array): SourceFormat | undefined {
  if (ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
  // The major brand, then the compatible brands after the 4-byte minor version.
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  if (brands.some((b) => VIDEO_BRANDS.has(b))) return 'video';
  return undefined;
}

/**
 * The format the first bytes announce. SVG is text and is left to libvips to recognise.
 * Signatures: https://en.wikipedia.org/wiki/List_of_file_signatures
 */
export function sniffFormat(bytes: Uint8Array): SourceFormat | undefined {
  if (bytes.length < 12) return startsWith(bytes, [0xff, 0xd8, 0xff]) ? 'jpeg' : undefined;
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  const iso = isoBrand(bytes);
  if (iso) return iso;
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'jxl';
  if (startsWith(bytes, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20]) || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return 'jp2';
  if (ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (startsWith(bytes, [0, 0, 1, 0]) || startsWith(bytes, [0, 0, 2, 0])) return 'ico';
  if (ascii(bytes, 0, 4) === '8BPS') return 'psd';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  return undefined;
}

/** "text" when the first bytes are printable UTF-8, for the "not an image" message. */
export function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 512);
  if (head.length === 0) return false;
  try {
    // A multi-byte character cut at the 512th byte is not a reason to call it binary.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - (head.length === 512 ? 3 : 0)));
    return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
  } catch {
    return false;
  }
}

/**
 * False when the bytes stop before the format's end marker: a cut upload or download. Undefined for
 * formats without one. Used to say "truncated" for sure, since libvips' own message can be lost
 * when two images fail at once (its error buffer is shared between threads).
 */
export function isComplete(format: SourceFormat, bytes: Uint8Array): boolean | undefined {
  const end = bytes.length;
  switch (format) {
    case 'jpeg': {
      // End of image (FFD9), allowing a little padding after it.
      const tail = Buffer.from(bytes.buffer, bytes.byteOffset + Math.max(0, end - 64), Math.min(64, end));
      return tail.includes(Buffer.from([0xff, 0xd9]));
    }
    case 'png':
      return ascii(bytes, end - 8, end - 4) === 'IEND';
    case 'gif':
      return bytes[end - 1] === 0x3b;
    case 'webp':
      // RIFF's size field counts the bytes after it.
      return end >= 12 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true) + 8 <= end;
    default:
      return undefined;
  }
}
