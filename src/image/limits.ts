/**
 * Image limits, each with the page that sets it. S3's own limits live in src/limits.ts.
 */

/**
 * The widest or tallest output: WebP's limit, the tightest of the output formats (JPEG allows 65,535).
 * https://developers.google.com/speed/webp/docs/riff_container (14-bit canvas size)
 */
export const MAX_DIMENSION = 16_383;

/** Device pixel ratio, as imgix's `dpr` (https://docs.imgix.com/apis/rendering/pixel-density/dpr). */
export const MAX_DPR = 5;

/**
 * sharp's own ceiling for `limitInputPixels` (0x3FFF × 0x3FFF).
 * https://sharp.pixelplumbing.com/api-constructor
 */
export const SHARP_MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/**
 * Default pixel limit: imgproxy's IMGPROXY_MAX_SRC_RESOLUTION (50 MP). A decoded 50 MP RGBA image
 * takes 200 MB; sharp's default (268 MP) would let one upload take over 1 GB of a long-running host.
 * https://docs.imgproxy.net/configuration/options#security
 */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;

/** Default byte limit: the source is held in memory while it is decoded, once per image in flight. */
export const DEFAULT_MAX_INPUT_BYTES = 50 * 1024 * 1024;
