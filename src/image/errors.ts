/**
 * The image failures a person can act on: too large (naming the limit), not an image or not a
 * decodable format (naming the format), truncated or corrupt. Everything sharp throws passes
 * through `imageError` so no libvips message reaches a user without a code.
 */
import { formatBytes } from '../bytes.js';
import { ConnectorError } from '../errors.js';
import { READABLE_LABELS, SOURCE_FORMATS, type SourceFormat } from './formats.js';

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e7 ? 1 : 0)} megapixels`;
}

export function tooManyBytes(key: string, bytes: number, limit: number): ConnectorError {
  return new ConnectorError(
    'TooLarge',
    `"${key}" is ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit for a source image (\`maxInputBytes\`). Raise \`maxInputBytes\` if the host has the memory, or resize the original first.`,
    { details: { limit: 'maxInputBytes', limitValue: limit, bytes } },
  );
}

export function tooManyPixels(
  key: string,
  image: { width: number; height: number; frames: number },
  limit: number,
): ConnectorError {
  const pixels = image.width * image.height * image.frames;
  const what = image.frames > 1 ? `${image.frames} frames of ${image.width}x${image.height}` : `${image.width}x${image.height}`;
  const hint =
    image.frames > 1
      ? ' Write a still format (jpeg, png or avif, which take the first frame only), or raise `maxInputPixels`.'
      : ' Raise `maxInputPixels` if the image is genuine and the host has the memory.';
  return new ConnectorError(
    'TooLarge',
    `"${key}" is ${what} (${megapixels(pixels)}), over the ${megapixels(limit)} limit (\`maxInputPixels\`) that guards against decompression bombs.${hint}`,
    { details: { limit: 'maxInputPixels', limitValue: limit, width: image.width, height: image.height, frames: image.frames } },
  );
}

export function undecodable(key: string, format: SourceFormat, cause?: unknown): ConnectorError {
  return new ConnectorError(
    'UnsupportedImage',
    `"${key}" is ${SOURCE_FORMATS[format].label}, a format this action cannot decode. Convert it to ${READABLE_LABELS.replace(' and ', ' or ')} first.`,
    { details: { format }, cause },
  );
}

export function notAnImage(key: string, about: { text: boolean; empty?: boolean; contentType?: string | undefined }, cause?: unknown): ConnectorError {
  const stored = about.contentType ? ` (stored as ${about.contentType})` : '';
  const why = about.empty ? 'it is empty (0 bytes)' : about.text ? 'it holds text' : 'its first bytes match no image format';
  return new ConnectorError(
    'UnsupportedImage',
    `"${key}" is not an image: ${why}${stored}. The action reads ${READABLE_LABELS}.`,
    { details: { format: about.text ? 'text' : 'unknown', ...(about.contentType ? { contentType: about.contentType } : {}) }, cause },
  );
}

export function corrupt(key: string, format: SourceFormat, reason: string, cause?: unknown): ConnectorError {
  return new ConnectorError(
    'UnsupportedImage',
    `"${key}" is a truncated or corrupt ${SOURCE_FORMATS[format].label} file (${reason}). Upload it again from the original.`,
    { details: { format, reason: 'corrupt' }, cause },
  );
}

/** libvips' words for input it cannot finish reading. */
const CORRUPT = /premature end|truncated|corrupt|invalid|bad |read error|not a known file format|unexpected end|crc error|out of data|decode|damaged/i;

/** Maps an error thrown by sharp while decoding or encoding `source` (whose header was read). */
export function imageError(
  error: unknown,
  source: { key: string; format: SourceFormat; complete: boolean | undefined },
  limit: number,
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { key, format } = source;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? message;
  if (/exceeds pixel limit/i.test(message)) {
    return new ConnectorError(
      'TooLarge',
      `"${key}" is over the ${megapixels(limit)} limit (\`maxInputPixels\`) that guards against decompression bombs. Raise \`maxInputPixels\` if the image is genuine.`,
      { details: { limit: 'maxInputPixels', limitValue: limit }, cause: error },
    );
  }
  if (/unsupported image format/i.test(message)) return notAnImage(key, { text: false }, error);
  if (source.complete === false) return corrupt(key, format, 'the file ends before the image does', error);
  if (CORRUPT.test(message)) return corrupt(key, format, firstLine.replace(/^\w+: /, '').trim(), error);
  return new ConnectorError('UnsupportedImage', `"${key}" could not be processed as ${SOURCE_FORMATS[format].label}: ${firstLine}.`, {
    details: { format },
    cause: error,
  });
}
