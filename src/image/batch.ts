/**
 * One source of a resizeMany run: check its outputs (HEAD), and only when one is missing or stale
 * download it once and write every output that needs it.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { RunContext } from '../action.js';
import { ConnectorError, isConnectorError } from '../errors.js';
import type { HeadOutput } from '../generated/actions/head.output.js';
import { describeObject } from '../object-info.js';
import { abortable } from '../signal.js';
import { tooManyBytes } from './errors.js';
import { formatOfExtension, originalOutput, type OutputFormat } from './formats.js';
import { fingerprint, freshness, writeImage, type Freshness } from './output.js';
import { outputFormat, render, type ImageOptions } from './render.js';
import type { SharpFactory } from './sharp.js';
import type { RequestedSize } from './size.js';
import { inspectSource, readSource, type SourceLimits } from './source.js';
import type { ListedSource } from './candidates.js';
import { templateValues, type KeyTemplate } from './template.js';

export interface BatchSize {
  requested: RequestedSize & { text: string };
  /** Device pixels (dpr applied). */
  box: RequestedSize;
}

export interface BatchPlan {
  sizes: BatchSize[];
  template: KeyTemplate;
  /** The run's prefix, relative to the base path: {path} starts at its folder. */
  prefix: string;
  options: ImageOptions;
  dpr: number;
  cacheControl: string | undefined;
  limits: SourceLimits;
  force: boolean;
  /** Holds a CPU slot while sharp works, so downloads and uploads of other images go on meanwhile. */
  cpu: <T>(work: () => Promise<T>) => Promise<T>;
}

interface PlannedOutput {
  key: string;
  size: BatchSize;
  fingerprint: string;
}

/** How one source went: the keys of the outputs written (none: all were up to date). */
export interface SourceResult {
  written: string[];
}

function outputsFor(source: ListedSource, format: OutputFormat, plan: BatchPlan): PlannedOutput[] {
  return plan.sizes.map((size) => ({
    key: plan.template.render(
      templateValues(source.key, plan.prefix, { format, ...size.requested, size: size.requested.text, dpr: plan.dpr }),
    ),
    size,
    fingerprint: fingerprint(size.box, plan.options, plan.cacheControl),
  }));
}

async function headOrNothing(ctx: RunContext, key: string): Promise<HeadOutput | undefined> {
  try {
    const answer = await ctx.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: ctx.keys.resolve(key, '/destinationKey') }), { key });
    return describeObject(key, answer);
  } catch (error) {
    if (isConnectorError(error) && error.code === 'NotFound') return undefined;
    throw error;
  }
}

async function states(ctx: RunContext, source: ListedSource, outputs: PlannedOutput[], force: boolean): Promise<Freshness[]> {
  if (force) return outputs.map(() => 'stale');
  return Promise.all(outputs.map(async (o) => freshness(await headOrNothing(ctx, o.key), source, o.fingerprint)));
}

/**
 * The destination keys depend on the output format; with "original" it is first guessed from the
 * source's extension, so an up-to-date source is skipped without downloading it, and checked again
 * after the download in the rare case the bytes disagree with the name.
 */
export async function resizeSource(ctx: RunContext, sharp: SharpFactory, source: ListedSource, plan: BatchPlan): Promise<SourceResult> {
  const { options, limits } = plan;
  const ext = source.key.slice(source.key.lastIndexOf('/') + 1).split('.').pop() ?? '';
  const named = formatOfExtension(ext);
  const guess = options.format === 'original' ? ((named && originalOutput(named)) ?? 'jpeg') : options.format;
  let outputs = outputsFor(source, guess, plan);
  let fresh = await states(ctx, source, outputs, plan.force);
  if (fresh.every((f) => f === 'current')) return { written: [] };
  if (source.size > limits.maxInputBytes) throw tooManyBytes(source.key, source.size, limits.maxInputBytes);

  const { data, info } = await readSource(ctx, source.key, limits);
  const image = await inspectSource(sharp, data, source.key, info.contentType);
  const format = outputFormat(options.format, image.format);
  if (format !== guess) {
    outputs = outputsFor(source, format, plan);
    fresh = await states(ctx, source, outputs, plan.force);
  }
  // The ETag of the bytes read: the source may have changed since it was listed.
  const current = { ...source, etag: info.etag };
  const written: string[] = [];
  const refused: string[] = [];
  for (const [i, output] of outputs.entries()) {
    if (fresh[i] === 'current') continue;
    if (output.key === source.key || fresh[i] === 'foreign') {
      refused.push(output.key);
      continue;
    }
    const warn = (message: string) => ctx.logger?.warn(message, { key: source.key });
    const rendered = await abortable(
      plan.cpu(() => render(sharp, data, image, output.size.box, options, { maxInputPixels: limits.maxInputPixels, warn })),
      ctx.abort,
    );
    await writeImage(ctx, output.key, rendered, { sourceEtag: current.etag, fingerprint: output.fingerprint, cacheControl: plan.cacheControl });
    written.push(output.key);
  }
  if (refused.length > 0) {
    const own = refused.includes(source.key);
    throw new ConnectorError(
      'Conflict',
      own
        ? `"${source.key}" would be overwritten by its own output: change \`destinationKey\` so outputs go to other keys.`
        : `"${refused.join('", "')}" already exist${refused.length === 1 ? 's' : ''}, older than "${source.key}", and this action did not write ${refused.length === 1 ? 'it' : 'them'}: set \`force\` to replace ${refused.length === 1 ? 'it' : 'them'}, or change \`destinationKey\`.`,
      { details: { key: source.key, destinations: refused, written } },
    );
  }
  return { written };
}
