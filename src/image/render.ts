/**
 * The options of resize and resizeMany mapped onto one sharp pipeline: EXIF auto-orient, shrink-on-
 * load resize, crop or pad, flatten, colour profile, encoder. Metadata is stripped (sharp's default)
 * unless the ICC profile is asked for.
 */
import type { Sharp } from 'sharp';
import { invalidInput } from '../errors.js';
import type { ResizeInput } from '../generated/actions/resize.input.js';
import { imageError } from './errors.js';
import { OUTPUT_FORMATS, originalOutput, type OutputFormat } from './formats.js';
import type { SharpFactory } from './sharp.js';
import type { RequestedSize } from './size.js';
import { checkPixels, type SourceImage } from './source.js';

type Options = Pick<ResizeInput, 'fit' | 'format' | 'quality' | 'position' | 'focalPoint' | 'background' | 'withoutEnlargement' | 'keepIcc'>;

/** The options after the schema's defaults are applied. */
export type ImageOptions = Options & Required<Pick<Options, 'fit' | 'format' | 'withoutEnlargement' | 'keepIcc'>>;

export interface Rendered {
  data: Buffer;
  format: OutputFormat;
  contentType: string;
  width: number;
  height: number;
  frames: number;
}

interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT: Rgba = { r: 0, g: 0, b: 0, alpha: 0 };
const SMART = new Set(['entropy', 'attention']);

/** "#fff", "ffffff", "#00000080" or "transparent" (the schema checks the shape). */
export function parseColour(text: string): Rgba {
  if (text === 'transparent') return TRANSPARENT;
  let hex = text.replace(/^#/, '');
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  const byte = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: hex.length === 8 ? Math.round((byte(6) / 255) * 1000) / 1000 : 1 };
}

/**
 * The colour that pads (contain) and the one transparency is flattened onto, if any. Without a
 * `background`, formats with alpha keep transparency and JPEG gets white; with one, an opaque colour
 * is flattened onto in every format, and a translucent one only pads where alpha is kept.
 */
function backgroundFor(text: string | undefined, keepsAlpha: boolean): { pad: Rgba; flatten?: Rgba } {
  const colour = text === undefined ? undefined : parseColour(text);
  if (!keepsAlpha) {
    const opaque = colour === undefined || colour.alpha === 0 ? WHITE : { ...colour, alpha: 1 };
    return { pad: opaque, flatten: opaque };
  }
  if (colour === undefined) return { pad: TRANSPARENT };
  return colour.alpha === 1 ? { pad: colour, flatten: colour } : { pad: colour };
}

/** Combinations the schema cannot express, refused before any network call. */
export function checkOptions(options: ImageOptions): void {
  const { fit, position, focalPoint } = options;
  if (focalPoint && position !== undefined) {
    throw invalidInput('/focalPoint', 'Expected either `focalPoint` or `position` but received both: both say where to crop; keep one.');
  }
  if (focalPoint && fit !== 'cover') {
    throw invalidInput('/focalPoint', `Expected fit "cover" with \`focalPoint\` but received fit ${JSON.stringify(fit)}: only cover crops. Set fit to "cover" or remove \`focalPoint\`.`);
  }
  if (position !== undefined && SMART.has(position) && fit !== 'cover') {
    throw invalidInput('/position', `Expected fit "cover" with position ${JSON.stringify(position)} but received fit ${JSON.stringify(fit)}: a smart crop needs something to crop. Set fit to "cover" or pick a compass position.`);
  }
  if (position !== undefined && fit !== 'cover' && fit !== 'contain') {
    throw invalidInput('/position', `Expected fit "cover" or "contain" with \`position\` but received fit ${JSON.stringify(fit)}, which neither crops nor pads. Remove \`position\` or change \`fit\`.`);
  }
}

/** The format written for these options and this source. */
export function outputFormat(requested: ImageOptions['format'], source: SourceImage['format']): OutputFormat {
  return requested === 'original' ? (originalOutput(source) ?? 'jpeg') : requested;
}

/** sharp's name for a compass position ("centre"); strategies pass through. */
function sharpPosition(position: ImageOptions['position']): string {
  return position === undefined || position === 'center' ? 'centre' : position;
}

/**
 * Cover around a focal point: scale to cover the box (never up, unless allowed), then cut the box
 * around the point, kept inside the image. sharp has no focal point, so the crop is an extract.
 */
function focalCrop(image: Sharp, source: SourceImage, box: Required<RequestedSize>, options: ImageOptions): Sharp {
  const focus = options.focalPoint!;
  let scale = Math.max(box.width / source.width, box.height / source.height);
  if (options.withoutEnlargement) scale = Math.min(scale, 1);
  const width = Math.max(1, Math.round(source.width * scale));
  const height = Math.max(1, Math.round(source.height * scale));
  const cropWidth = Math.min(box.width, width);
  const cropHeight = Math.min(box.height, height);
  const clamp = (value: number, max: number) => Math.min(Math.max(0, Math.round(value)), max);
  return image.resize({ width, height, fit: 'fill' }).extract({
    left: clamp(focus.x * width - cropWidth / 2, width - cropWidth),
    top: clamp(focus.y * height - cropHeight / 2, height - cropHeight),
    width: cropWidth,
    height: cropHeight,
  });
}

/** libvips draws SVG at 72 dpi: at its own size in pixels. */
const SVG_DPI = 72;
/** sharp's highest density. */
const MAX_DENSITY = 100_000;

/**
 * A vector is drawn at the size asked, rather than drawn small and enlarged as pixels (or, with
 * withoutEnlargement, left small): the density that brings its larger side to the box.
 */
function svgDensity(source: SourceImage, box: RequestedSize): number | undefined {
  const scales = [box.width === undefined ? 0 : box.width / source.width, box.height === undefined ? 0 : box.height / source.height];
  const scale = Math.max(...scales);
  return scale > 1 ? Math.min(SVG_DPI * scale, MAX_DENSITY) : undefined;
}

function encode(image: Sharp, format: OutputFormat, quality: number | undefined): Sharp {
  const q = quality === undefined ? {} : { quality };
  switch (format) {
    case 'jpeg':
      return image.jpeg(q);
    case 'png':
      return image.png();
    case 'webp':
      return image.webp(q);
    case 'avif':
      return image.avif(q);
    case 'gif':
      return image.gif();
  }
}

export interface RenderLimits {
  maxInputPixels: number;
  /** Says what was done differently from what was asked (e.g. a smart crop on an animation). */
  warn?: ((message: string) => void) | undefined;
}

/** Resizes `data` (already inspected as `source`) to `box`, in device pixels. */
export async function render(
  sharp: SharpFactory,
  data: Buffer,
  source: SourceImage,
  box: RequestedSize,
  options: ImageOptions,
  limits: RenderLimits,
): Promise<Rendered> {
  const format = outputFormat(options.format, source.format);
  const target = OUTPUT_FORMATS[format];
  const animated = source.frames > 1 && target.animation;
  const density = source.format === 'svg' ? svgDensity(source, box) : undefined;
  const drawn =
    density === undefined
      ? source
      : { ...source, width: Math.ceil((source.width * density) / SVG_DPI), height: Math.ceil((source.height * density) / SVG_DPI) };
  checkPixels(drawn, animated ? source.frames : 1, limits.maxInputPixels);
  const background = backgroundFor(options.background, target.alpha);
  try {
    const plan = { format, animated, density, background, warn: limits.warn };
    const { data: output, info } = await pipeline(sharp, data, drawn, box, options, plan).toBuffer({ resolveWithObject: true });
    return {
      data: output,
      format,
      contentType: target.contentType,
      width: info.width,
      height: info.pageHeight ?? info.height,
      frames: info.pages ?? 1,
    };
  } catch (error) {
    throw imageError(error, source, limits.maxInputPixels);
  }
}

interface PipelinePlan {
  format: OutputFormat;
  animated: boolean;
  /** SVG only: the dpi to draw it at. */
  density: number | undefined;
  background: { pad: Rgba; flatten?: Rgba };
  warn: ((message: string) => void) | undefined;
}

/** The sharp pipeline for `source`, whose size is as libvips will draw it (SVG at `density`). */
function pipeline(sharp: SharpFactory, data: Buffer, source: SourceImage, box: RequestedSize, options: ImageOptions, plan: PipelinePlan): Sharp {
  const { format, animated, density, background } = plan;
  let image = sharp(data, {
    autoOrient: true,
    // Fails on truncated or corrupt pixel data, and tolerates libjpeg's warnings (stray bytes
    // before a marker), which a great many camera and phone JPEGs carry.
    failOn: 'error',
    // The header was checked against the limit above; this holds libvips to the same figure.
    limitInputPixels: source.width * source.height * (animated ? source.frames : 1),
    animated,
    ...(density === undefined ? {} : { density }),
  });

  if (box.width !== undefined || box.height !== undefined) {
    let position = sharpPosition(options.position);
    if (animated && SMART.has(position)) {
      plan.warn?.(`"${source.key}" is animated: libvips cannot smart-crop animations, so it is cropped at the centre.`);
      position = 'centre';
    }
    if (options.focalPoint && options.fit === 'cover' && box.width !== undefined && box.height !== undefined) {
      image = focalCrop(image, source, { width: box.width, height: box.height }, options);
    } else {
      image = image.resize({
        ...box,
        fit: options.fit,
        position,
        withoutEnlargement: options.withoutEnlargement,
        background: background.pad,
      });
    }
  }
  if (source.hasAlpha && background.flatten) image = image.flatten({ background: background.flatten });
  if (options.keepIcc) image = image.keepIccProfile();
  return encode(image, format, OUTPUT_FORMATS[format].lossy ? options.quality : undefined);
}
