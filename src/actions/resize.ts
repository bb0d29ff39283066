import inputSchema from '../../schemas/actions/resize.input.json';
import { defineAction } from '../action.js';
import { invalidInput } from '../errors.js';
import type { ResizeInput } from '../generated/actions/resize.input.js';
import type { ResizeOutput } from '../generated/actions/resize.output.js';
import { fingerprint, writeImage } from '../image/output.js';
import { checkOptions, render } from '../image/render.js';
import { loadSharp } from '../image/sharp.js';
import { devicePixels, requestedSize } from '../image/size.js';
import { inspectSource, readSource } from '../image/source.js';
import { parseTemplate, templateValues } from '../image/template.js';
import { abortable } from '../signal.js';
import { validator } from '../validate.js';

/** The input once the schema's defaults are in. */
type Input = ResizeInput & Required<Pick<ResizeInput, 'fit' | 'format' | 'dpr' | 'withoutEnlargement' | 'keepIcc' | 'maxInputBytes' | 'maxInputPixels'>>;

export const resize = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<ResizeOutput> {
    // Everything that can be refused is refused before the download.
    const requested = requestedSize(input);
    const box = devicePixels(requested, input.dpr, input.size === undefined ? '/width' : '/size');
    checkOptions(input);
    ctx.keys.resolve(input.key);
    const template = input.destinationKey === undefined ? undefined : parseTemplate(input.destinationKey);
    if (template && input.as !== undefined) {
      throw invalidInput('/as', `Expected either \`destinationKey\` or \`as\` but received both: with \`destinationKey\` the image goes to S3; \`as\` returns it to the workflow instead. Keep one.`);
    }
    if (!template && input.as !== 'base64') ctx.files('/as');
    // Placeholder values come from keys already checked: only the template's own text can escape.
    if (template) ctx.keys.resolve(template.text, '/destinationKey');

    const sharp = await loadSharp();
    const { info, data } = await readSource(ctx, input.key, input);
    const source = await inspectSource(sharp, data, input.key, info.contentType);
    const warn = (message: string) => ctx.logger?.warn(message, { key: input.key });
    const image = await abortable(render(sharp, data, source, box, input, { maxInputPixels: input.maxInputPixels, warn }), ctx.abort);

    const values = templateValues(input.key, '', { format: image.format, ...requested, size: requested.text, dpr: input.dpr });
    const result = {
      width: image.width,
      height: image.height,
      format: image.format,
      size: image.data.length,
      contentType: image.contentType,
      frames: image.frames,
      source: { key: input.key, format: source.format, width: source.width, height: source.height, size: source.bytes },
    };
    if (template) {
      const key = template.render(values);
      const record = { sourceEtag: info.etag, fingerprint: fingerprint(box, input, input.cacheControl), cacheControl: input.cacheControl };
      const written = await writeImage(ctx, key, image, record);
      return { key, etag: written.etag, ...result };
    }
    if (input.as === 'base64') return { ...result, base64: image.data.toString('base64') };
    const file = await ctx.files('/as').write({ name: `${values.name}.${values.ext}`, data: image.data, contentType: image.contentType });
    return { ...result, file };
  },
});
