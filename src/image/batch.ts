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
import type { Hold, MemoryBudget } from './pool.js';
import { outputFormat, render, type ImageOptions, type Rendered } from './render.js';
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
  /** What the run holds in memory: sources in hand and rendered images not yet uploaded. */
  memory: MemoryBudget;
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

/** When each stage of one source began and ended (performance.now(), ms): where a run's time goes. */
export interface SourceStages {
  key: string;
  /** HEAD of its outputs. */
  check?: [number, number];
  /** Waiting for room in the memory budget. */
  queue?: [number, number];
  download?: [number, number];
  inspect?: [number, number];
  /** Per output: asked for a CPU slot, got it, sharp done. */
  render: Array<[number, number, number]>;
  upload: Array<[number, number]>;
}

function since(start: number): [number, number] {
  return [start, performance.now()];
}

/** A rendered output waiting for its upload, its bytes counted in the run's memory budget. */
interface Pending {
  output: PlannedOutput;
  image: Rendered;
  held: Hold;
}

/**
 * Downloads and inspects the source, and renders each output that needs it, each in a CPU slot.
 * The source's bytes exist only inside this call: once it returns they are garbage, and the caller
 * gives their place in the budget back.
 */
async function renderSource(
  ctx: RunContext,
  sharp: SharpFactory,
  source: ListedSource,
  plan: BatchPlan,
  planned: { guess: OutputFormat; outputs: PlannedOutput[]; fresh: Freshness[] },
  held: Hold,
  stages: SourceStages,
): Promise<{ sourceEtag: string; refused: string[]; pending: Pending[] }> {
  const { options, limits } = plan;
  let { outputs, fresh } = planned;
  let t = performance.now();
  const { data, info } = await readSource(ctx, source.key, limits);
  // The listing's size was held; the object may have changed since.
  held.add(data.length - source.size);
  stages.download = since(t);
  t = performance.now();
  const image = await inspectSource(sharp, data, source.key, info.contentType);
  stages.inspect = since(t);
  const format = outputFormat(options.format, image.format);
  if (format !== planned.guess) {
    outputs = outputsFor(source, format, plan);
    fresh = await states(ctx, source, outputs, plan.force);
  }
  const stale = outputs.map((output, i) => ({ output, state: fresh[i] })).filter(({ state }) => state !== 'current');
  const refused = stale.filter(({ output, state }) => output.key === source.key || state === 'foreign').map(({ output }) => output.key);
  const warn = (message: string) => ctx.logger?.warn(message, { key: source.key });
  const pending: Pending[] = [];
  try {
    for (const { output } of stale.filter(({ output }) => !refused.includes(output.key))) {
      const asked = performance.now();
      const rendered = await abortable(
        plan.cpu(async () => {
          const began = performance.now();
          const out = await render(sharp, data, image, output.size.box, options, { maxInputPixels: limits.maxInputPixels, warn });
          stages.render.push([asked, began, performance.now()]);
          return out;
        }),
        ctx.abort,
      );
      pending.push({ output, image: rendered, held: plan.memory.take(rendered.data.length) });
    }
  } catch (error) {
    for (const done of pending) done.held.release();
    throw error;
  }
  // The ETag of the bytes read: the source may have changed since it was listed.
  return { sourceEtag: info.etag, refused, pending };
}

/**
 * The destination keys depend on the output format; with "original" it is first guessed from the
 * source's extension, so an up-to-date source is skipped without downloading it, and checked again
 * after the download in the rare case the bytes disagree with the name.
 *
 * The source's bytes are held in the run's memory budget from its download to its last render,
 * and each rendered image until it is uploaded; a CPU slot only while sharp works, so other sources
 * download and upload meanwhile.
 */
export async function resizeSource(ctx: RunContext, sharp: SharpFactory, source: ListedSource, plan: BatchPlan): Promise<SourceResult> {
  const { options, limits } = plan;
  const stages: SourceStages = { key: source.key, render: [], upload: [] };
  const ext = source.key.slice(source.key.lastIndexOf('/') + 1).split('.').pop() ?? '';
  const named = formatOfExtension(ext);
  const guess = options.format === 'original' ? ((named && originalOutput(named)) ?? 'jpeg') : options.format;
  const outputs = outputsFor(source, guess, plan);
  let t = performance.now();
  const fresh = await states(ctx, source, outputs, plan.force);
  stages.check = since(t);
  if (fresh.every((f) => f === 'current')) return { written: [] };
  if (source.size > limits.maxInputBytes) throw tooManyBytes(source.key, source.size, limits.maxInputBytes);

  const written: string[] = [];
  try {
    t = performance.now();
    const held = await plan.memory.holdSource(source.size);
    stages.queue = since(t);
    let rendered: Awaited<ReturnType<typeof renderSource>>;
    try {
      rendered = await renderSource(ctx, sharp, source, plan, { guess, outputs, fresh }, held, stages);
    } finally {
      held.release();
    }
    const { sourceEtag, refused, pending } = rendered;
    try {
      for (const { output, image, held: uploading } of pending) {
        t = performance.now();
        await writeImage(ctx, output.key, image, { sourceEtag, fingerprint: output.fingerprint, cacheControl: plan.cacheControl });
        uploading.release();
        stages.upload.push(since(t));
        written.push(output.key);
      }
    } finally {
      for (const { held: uploading } of pending) uploading.release();
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
  } finally {
    ctx.logger?.debug('resizeMany: stages', stages);
  }
  return { written };
}
