import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { sniffFormat } from '../src/image/formats.js';
import { actions } from '../src/index.js';
import type { ResizeOutput } from '../src/generated/actions/resize.output.js';
import { useEmulator } from './helpers/emulator.js';
import { animation, caller, cmyk, exists, flat, getObject, heicHeader, memoryFiles, oriented, photo, pngBomb, putObject } from './helpers/images.js';
import { rawClient } from './helpers/seed.js';

const s3 = useEmulator();
let client: ReturnType<typeof rawClient>;

const { run, failure } = caller<ResizeOutput>(s3, actions.resize!);

beforeAll(async () => {
  client = rawClient(s3.endpoint);
  await putObject(client, s3.bucket, 'photos/landscape.jpg', await photo(400, 300));
  await putObject(client, s3.bucket, 'photos/small.jpg', await photo(100, 80));
  await putObject(client, s3.bucket, 'photos/logo.png', await flat(80, 40, 'png', { alpha: true }), 'image/png');
});

describe('fit', () => {
  const cases = [
    ['inside', 200, 150],
    ['cover', 200, 200],
    ['contain', 200, 200],
    ['fill', 200, 200],
    ['outside', 267, 200],
  ] as const;
  it.each(cases)('fit %s makes a 400x300 photo %ix%i in a 200x200 box', async (fit, width, height) => {
    const out = await run({ key: 'photos/landscape.jpg', destinationKey: `fit/${fit}.jpg`, size: '200x200', fit });
    const stored = await getObject(client, s3.bucket, `fit/${fit}.jpg`);
    expect([stored.meta.width, stored.meta.height]).toEqual([width, height]);
    expect(out).toMatchObject({ key: `fit/${fit}.jpg`, width, height, format: 'jpeg', contentType: 'image/jpeg', size: stored.body.length, frames: 1 });
    expect(out.etag).toMatch(/^[0-9a-f]{32}$/);
  });

  it('never crops unasked: the default fit keeps the whole picture', async () => {
    const out = await run({ key: 'photos/landscape.jpg', destinationKey: 'fit/default.jpg', size: '200x200' });
    expect([out.width, out.height]).toEqual([200, 150]);
  });

  it('does not enlarge a small source unless told to', async () => {
    const kept = await run({ key: 'photos/small.jpg', destinationKey: 'fit/small.jpg', size: '400x400' });
    expect([kept.width, kept.height]).toEqual([100, 80]);
    const padded = await run({ key: 'photos/small.jpg', destinationKey: 'fit/small-contain.jpg', size: '400x400', fit: 'contain' });
    expect([padded.width, padded.height]).toEqual([400, 400]);
    const enlarged = await run({ key: 'photos/small.jpg', destinationKey: 'fit/small-up.jpg', size: '400x400', withoutEnlargement: false });
    expect([enlarged.width, enlarged.height]).toEqual([400, 320]);
  });

  it('draws an SVG at the size asked instead of enlarging its pixels', async () => {
    const icon = '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><circle cx="12" cy="12" r="10" fill="#c00"/></svg>';
    await putObject(client, s3.bucket, 'icons/dot.svg', icon, 'image/svg+xml');
    const out = await run({ key: 'icons/dot.svg', destinationKey: 'icons/dot.png', size: '96x96' });
    expect(out).toMatchObject({ format: 'png', width: 96, height: 96, source: { format: 'svg', width: 24, height: 24 } });
    const { data } = await sharp((await getObject(client, s3.bucket, 'icons/dot.png')).body).raw().toBuffer({ resolveWithObject: true });
    // The circle's edge stays crisp: fully transparent one pixel outside it, at the top middle.
    expect(data[(3 * 96 + 48) * 4 + 3]).toBeLessThan(40);
    expect(data[(12 * 96 + 48) * 4 + 3]).toBe(255);
  });

  it('multiplies the box by dpr', async () => {
    const out = await run({ key: 'photos/landscape.jpg', destinationKey: 'fit/dpr.jpg', width: 100, dpr: 2 });
    expect([out.width, out.height]).toEqual([200, 150]);
  });
});

describe('size', () => {
  it.each([
    ['800x', { width: 800, height: undefined }],
    ['x300', { width: undefined, height: 300 }],
    ['120x90', { width: 120, height: 90 }],
  ])('reads %s', async (size, box) => {
    const out = await run({ key: 'photos/landscape.jpg', as: 'base64', size, withoutEnlargement: false }, { files: memoryFiles() });
    if (box.width) expect(out.width).toBe(box.width);
    if (box.height) expect(out.height).toBe(box.height);
  });

  it.each([
    ['abc', 'Expected a size "WIDTHxHEIGHT" such as "200x200", "800x" or "x300" for `size` but received "abc".'],
    ['200*200', 'Expected a size "WIDTHxHEIGHT" such as "200x200", "800x" or "x300" for `size` but received "200*200".'],
    ['x', 'Expected a size such as "200x200", "800x" or "x300" for `size` but received "x".'],
    ['0x200', 'Expected integer between 1 and 16383 for the width in `size` but received 0 (in "0x200").'],
    ['200x20000', 'Expected integer between 1 and 16383 for the height in `size` but received 20000 (in "200x20000").'],
  ])('refuses %j before any request, naming the field', async (size, message) => {
    // The key does not exist: a NotFound would mean the input went out unchecked.
    const error = await failure({ key: 'missing.jpg', destinationKey: 'x.jpg', size });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/size', message });
  });

  it('refuses a width out of range in the words of sharp', async () => {
    const error = await failure({ key: 'missing.jpg', destinationKey: 'x.jpg', width: -5 });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/width', message: 'Expected integer between 1 and 16383 for `width` but received -5.' });
  });

  it('refuses size and width together', async () => {
    const error = await failure({ key: 'missing.jpg', destinationKey: 'x.jpg', size: '200x200', width: 300 });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/size' });
    expect(error.message).toBe('Expected either `size` or `width`/`height` but received both `size` and `width`: keep one.');
  });

  it('says what a background looks like', async () => {
    const error = await failure({ key: 'missing.jpg', destinationKey: 'x.jpg', background: 'red' });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/background' });
    expect(error.message).toBe('Expected a hex colour such as "#ffffff", "#fff" or "#00000080" (with alpha), or "transparent" for `background` but received "red".');
  });

  it('refuses a dpr that would pass the largest output', async () => {
    const error = await failure({ key: 'missing.jpg', destinationKey: 'x.jpg', size: '5000x', dpr: 4 });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/dpr' });
    expect(error.message).toContain('5000 × 4 = 20000');
  });
});

describe('format', () => {
  it.each([
    ['jpeg', 'image/jpeg', 'jpeg'],
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['avif', 'image/avif', 'heif'],
  ] as const)('writes real %s with Content-Type %s', async (format, contentType, decoder) => {
    const key = `formats/out.${format}`;
    const out = await run({ key: 'photos/landscape.jpg', destinationKey: key, size: '120x', format });
    const stored = await getObject(client, s3.bucket, key);
    expect(stored.contentType).toBe(contentType);
    expect(stored.meta.format).toBe(decoder);
    if (format === 'avif') expect(stored.meta.compression).toBe('av1');
    expect([stored.meta.width, stored.meta.height]).toEqual([120, 90]);
    expect(out).toMatchObject({ format, contentType, size: stored.body.length });
  });

  it('keeps the source format with "original" and names the extension {ext}', async () => {
    const out = await run({ key: 'photos/logo.png', destinationKey: 'thumbs/{name}-{size}.{ext}', size: '40x' });
    expect(out).toMatchObject({ key: 'thumbs/logo-40x.png', format: 'png', contentType: 'image/png', width: 40, height: 20 });
    expect((await getObject(client, s3.bucket, 'thumbs/logo-40x.png')).meta.hasAlpha).toBe(true);
  });

  it('gets smaller with lower quality', async () => {
    const low = await run({ key: 'photos/landscape.jpg', as: 'base64', format: 'webp', quality: 20 }, { files: memoryFiles() });
    const high = await run({ key: 'photos/landscape.jpg', as: 'base64', format: 'webp', quality: 95 }, { files: memoryFiles() });
    expect(low.size).toBeLessThan(high.size / 2);
  });

  it('flattens transparency onto white for JPEG, or onto the background asked for', async () => {
    const white = await run({ key: 'photos/logo.png', destinationKey: 'alpha/white.jpg', format: 'jpeg' });
    expect(white.format).toBe('jpeg');
    const pixel = async (key: string) => (await sharp((await getObject(client, s3.bucket, key)).body).stats()).dominant;
    // 50% red over white.
    expect(await pixel('alpha/white.jpg')).toMatchObject({ r: expect.closeTo(232, -1) as number, g: expect.closeTo(152, -1) as number });
    await run({ key: 'photos/logo.png', destinationKey: 'alpha/black.png', background: '#000' });
    const black = await getObject(client, s3.bucket, 'alpha/black.png');
    expect(black.meta.hasAlpha).toBe(false);
    expect((await sharp(black.body).stats()).dominant).toMatchObject({ g: expect.closeTo(24, -1) as number, b: expect.closeTo(24, -1) as number });
  });

  it('pads contain with transparency where the format keeps it', async () => {
    await run({ key: 'photos/landscape.jpg', destinationKey: 'alpha/contain.png', size: '100x100', fit: 'contain', format: 'png' });
    const stored = await getObject(client, s3.bucket, 'alpha/contain.png');
    expect(stored.meta.hasAlpha).toBe(true);
    const { data } = await sharp(stored.body).raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0); // the top-left pixel is padding
  });
});

describe('orientation, colour and metadata', () => {
  it('applies EXIF orientation and drops the tag', async () => {
    // Stored 60x20 landscape (red left, blue right) with Orientation 6: shown as 20x60, red on top.
    await putObject(client, s3.bucket, 'photos/sideways.jpg', await oriented(60, 20, 6));
    const out = await run({ key: 'photos/sideways.jpg', destinationKey: 'orient/upright.png', width: 10, format: 'png' });
    expect([out.width, out.height]).toEqual([10, 30]);
    expect(out.source).toMatchObject({ width: 20, height: 60 });
    const stored = await getObject(client, s3.bucket, 'orient/upright.png');
    expect(stored.meta.orientation).toBeUndefined();
    const { data } = await sharp(stored.body).raw().toBuffer({ resolveWithObject: true });
    const top = data.subarray(0, 3);
    const bottom = data.subarray(data.length - 3);
    expect(top[0]).toBeGreaterThan(200);
    expect(bottom[2]).toBeGreaterThan(200);
  });

  it('strips EXIF and colour profiles by default, and keeps the ICC profile when asked', async () => {
    const source = await sharp(await photo(64, 48)).withIccProfile('p3').withExif({ IFD0: { Copyright: 'Jane Doe', Make: 'Camera' } }).jpeg().toBuffer();
    await putObject(client, s3.bucket, 'photos/p3.jpg', source);
    await run({ key: 'photos/p3.jpg', destinationKey: 'meta/stripped.jpg' });
    const stripped = await getObject(client, s3.bucket, 'meta/stripped.jpg');
    expect([stripped.meta.exif, stripped.meta.icc]).toEqual([undefined, undefined]);
    await run({ key: 'photos/p3.jpg', destinationKey: 'meta/kept.jpg', keepIcc: true });
    const kept = await getObject(client, s3.bucket, 'meta/kept.jpg');
    expect(kept.meta.exif).toBeUndefined();
    expect(kept.meta.icc).toEqual((await sharp(source).metadata()).icc);
  });

  it('converts CMYK to sRGB', async () => {
    await putObject(client, s3.bucket, 'photos/print.jpg', await cmyk(64, 64));
    await run({ key: 'photos/print.jpg', destinationKey: 'colour/print.jpg' });
    const stored = await getObject(client, s3.bucket, 'colour/print.jpg');
    expect([stored.meta.space, stored.meta.channels]).toEqual(['srgb', 3]);
    const { dominant } = await sharp(stored.body).stats();
    expect(dominant.b).toBeGreaterThan(dominant.r + 60); // still blue, not inverted
  });
});

describe('position', () => {
  beforeAll(async () => {
    // Left half red, right half blue.
    await putObject(client, s3.bucket, 'photos/halves.png', await oriented(400, 200, 1), 'image/jpeg');
  });
  const colourOf = async (out: ResizeOutput) => (await sharp(Buffer.from(out.base64!, 'base64')).stats()).dominant;

  it('crops towards a compass point', async () => {
    const west = await run({ key: 'photos/halves.png', as: 'base64', size: '100x100', fit: 'cover', position: 'west' });
    expect((await colourOf(west)).r).toBeGreaterThan(200);
    const east = await run({ key: 'photos/halves.png', as: 'base64', size: '100x100', fit: 'cover', position: 'east' });
    expect((await colourOf(east)).b).toBeGreaterThan(200);
  });

  it('keeps a focal point in the crop', async () => {
    const out = await run({ key: 'photos/halves.png', as: 'base64', size: '100x100', fit: 'cover', focalPoint: { x: 0.9, y: 0.5 } });
    expect([out.width, out.height]).toEqual([100, 100]);
    expect((await colourOf(out)).b).toBeGreaterThan(200);
  });

  it.each(['entropy', 'attention'])('crops by %s', async (position) => {
    const out = await run({ key: 'photos/landscape.jpg', as: 'base64', size: '100x100', fit: 'cover', position });
    expect([out.width, out.height]).toEqual([100, 100]);
  });

  it('says which fit a position needs', async () => {
    const error = await failure({ key: 'missing.jpg', as: 'base64', size: '100x100', position: 'north' });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/position' });
    expect(error.message).toBe('Expected fit "cover" or "contain" with `position` but received fit "inside", which neither crops nor pads. Remove `position` or change `fit`.');
  });
});

describe('safety', () => {
  it('refuses a PNG whose header claims 40000x40000 without decoding it', async () => {
    await putObject(client, s3.bucket, 'bombs/huge.png', pngBomb(40_000, 40_000), 'image/png');
    const started = performance.now();
    const error = await failure({ key: 'bombs/huge.png', destinationKey: 'bombs/out.png', size: '100x100' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'TooLarge', retryable: false, details: { limit: 'maxInputPixels', width: 40_000, height: 40_000 } });
    expect(error.message).toBe(
      '"bombs/huge.png" is 40000x40000 (1600 megapixels), over the 50 megapixels limit (`maxInputPixels`) that guards against decompression bombs. Raise `maxInputPixels` if the image is genuine and the host has the memory.',
    );
    expect(await exists(client, s3.bucket, 'bombs/out.png')).toBe(false);
  });

  it('refuses a source over the byte limit before downloading it', async () => {
    const error = await failure({ key: 'photos/landscape.jpg', destinationKey: 'x.jpg', maxInputBytes: 1000 });
    expect(error).toMatchObject({ code: 'TooLarge', details: { limit: 'maxInputBytes', limitValue: 1000 } });
    expect(error.message).toMatch(/^"photos\/landscape\.jpg" is \d+(\.\d)? KiB, over the 1000 bytes limit for a source image \(`maxInputBytes`\)/);
  });

  it('says a text file is not an image', async () => {
    await putObject(client, s3.bucket, 'docs/readme.txt', 'Hello, this is not a picture.\n', 'text/plain');
    const error = await failure({ key: 'docs/readme.txt', destinationKey: 'x.jpg' });
    expect(error).toMatchObject({ code: 'UnsupportedImage', retryable: false });
    expect(error.message).toBe('"docs/readme.txt" is not an image: it holds text (stored as text/plain). The action reads JPEG, PNG, WebP, AVIF, GIF, TIFF and SVG.');
  });

  it('names HEIC as a format it cannot decode', async () => {
    await putObject(client, s3.bucket, 'photos/iphone.heic', heicHeader(), 'image/heic');
    const error = await failure({ key: 'photos/iphone.heic', destinationKey: 'x.jpg' });
    expect(error).toMatchObject({ code: 'UnsupportedImage', details: { format: 'heic' } });
    expect(error.message).toBe('"photos/iphone.heic" is HEIC/HEIF (HEVC-coded), a format this action cannot decode. Convert it to JPEG, PNG, WebP, AVIF, GIF, TIFF or SVG first.');
  });

  it.each([
    ['bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
    ['pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')],
    ['jxl', Buffer.concat([Buffer.from([0xff, 0x0a]), Buffer.alloc(30)])],
    ['psd', Buffer.concat([Buffer.from('8BPS'), Buffer.alloc(30)])],
    ['avif', Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf', 'latin1'), Buffer.alloc(20)])],
    ['heic', heicHeader()],
    [undefined, Buffer.from('just some words, long enough to sniff')],
  ])('tells %s from its first bytes', (format, bytes) => {
    expect(sniffFormat(bytes)).toBe(format);
  });

  it('reports a truncated JPEG and writes nothing', async () => {
    const whole = await photo(300, 200);
    await putObject(client, s3.bucket, 'photos/cut.jpg', whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await failure({ key: 'photos/cut.jpg', destinationKey: 'cut/out.jpg', size: '100x' });
    expect(error).toMatchObject({ code: 'UnsupportedImage', details: { format: 'jpeg', reason: 'corrupt' } });
    expect(error.message).toBe('"photos/cut.jpg" is a truncated or corrupt JPEG file (the file ends before the image does). Upload it again from the original.');
    expect(await exists(client, s3.bucket, 'cut/out.jpg')).toBe(false);
  });

  it('keeps a destination inside the base path', async () => {
    const error = await failure({ key: 'photos/landscape.jpg', destinationKey: '../escape/{name}.{ext}' }, { connection: s3.connection({ basePath: 'tenant/' }) });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/destinationKey' });
  });

  it('names an unknown placeholder and suggests the right one', async () => {
    const error = await failure({ key: 'photos/landscape.jpg', destinationKey: 'thumbs/{nmae}.{ext}' });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/destinationKey' });
    expect(error.message).toMatch(/^Expected a known placeholder in `destinationKey` but received \{nmae\}: did you mean \{name\}\? Known placeholders: \{key\}/);
  });
});

describe('animation', () => {
  beforeAll(async () => {
    for (const format of ['gif', 'webp'] as const) {
      await putObject(client, s3.bucket, `anim/spin.${format}`, await animation(64, 48, 5, format), `image/${format}`);
    }
  });

  it.each(['gif', 'webp'] as const)('keeps every frame of an animated %s in WebP', async (format) => {
    const out = await run({ key: `anim/spin.${format}`, destinationKey: `anim/out-${format}.webp`, size: '32x32', fit: 'cover', format: 'webp' });
    expect(out).toMatchObject({ width: 32, height: 32, frames: 5 });
    const stored = await getObject(client, s3.bucket, `anim/out-${format}.webp`);
    expect([stored.meta.pages, stored.meta.width, stored.meta.pageHeight ?? stored.meta.height]).toEqual([5, 32, 32]);
  });

  it('keeps an animated GIF animated with "original", and takes the first frame in JPEG', async () => {
    const gif = await run({ key: 'anim/spin.gif', destinationKey: 'anim/out.gif', size: '32x' });
    expect(gif).toMatchObject({ format: 'gif', frames: 5, width: 32, height: 24 });
    const jpeg = await run({ key: 'anim/spin.gif', destinationKey: 'anim/first.jpg', size: '32x', format: 'jpeg' });
    expect(jpeg).toMatchObject({ format: 'jpeg', frames: 1, width: 32, height: 24 });
    expect((await getObject(client, s3.bucket, 'anim/first.jpg')).meta.pages).toBeUndefined();
  });
});

describe('destination', () => {
  it('returns the image as a file when there is no destination', async () => {
    const files = memoryFiles();
    const out = await run({ key: 'photos/landscape.jpg', size: '100x', format: 'webp' }, { files });
    expect(out.key).toBeUndefined();
    expect(out.file).toEqual({ id: 'file-1', name: 'landscape.webp', size: out.size, contentType: 'image/webp' });
    const saved = files.saved.get('file-1')!;
    expect((await sharp(saved.data).metadata()).format).toBe('webp');
  });

  it('returns base64 on request', async () => {
    const out = await run({ key: 'photos/landscape.jpg', size: '100x', as: 'base64' });
    expect((await sharp(Buffer.from(out.base64!, 'base64')).metadata()).width).toBe(100);
  });

  it('asks for a file store when the host gave none', async () => {
    const error = await failure({ key: 'photos/landscape.jpg', size: '100x' });
    expect(error).toMatchObject({ code: 'InvalidInput', field: '/as' });
    expect(error.message).toMatch(/needs the host's file store/);
  });

  it('sets Cache-Control and records its source', async () => {
    await run({ key: 'photos/landscape.jpg', destinationKey: 'cached/{name}.{ext}', size: '50x', cacheControl: 'public, max-age=31536000, immutable' });
    const stored = await getObject(client, s3.bucket, 'cached/landscape.jpg');
    expect(stored.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(stored.metadata['source-etag']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('works under a base path', async () => {
    await putObject(client, s3.bucket, 'tenant/photos/dog.jpg', await photo(120, 90));
    const out = await run({ key: 'photos/dog.jpg', destinationKey: 'thumbs/{path}.{ext}', size: '60x' }, { connection: s3.connection({ basePath: 'tenant' }) });
    expect(out.key).toBe('thumbs/photos/dog.jpg');
    expect(await exists(client, s3.bucket, 'tenant/thumbs/photos/dog.jpg')).toBe(true);
  });
});
