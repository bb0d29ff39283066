import { availableParallelism } from 'node:os';
import inputSchema from '../../schemas/actions/resizeMany.input.json';
import { defineAction } from '../action.js';
import { ConnectorError, invalidInput, type ErrorCode } from '../errors.js';
import type { ResizeManyInput } from '../generated/actions/resizeMany.input.js';
import type { ResizeManyOutput } from '../generated/actions/resizeMany.output.js';
import { resizeSource, type BatchPlan, type BatchSize } from '../image/batch.js';
import { listCandidates, type ListedSource } from '../image/candidates.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../image/formats.js';
import { forEachLimited, limiter, MemoryBudget } from '../image/pool.js';
import { checkOptions } from '../image/render.js';
import { loadSharp } from '../image/sharp.js';
import { devicePixels, parseSize } from '../image/size.js';
import { parseTemplate, templateValues, type KeyTemplate } from '../image/template.js';
import { decodeToken, encodeToken } from '../image/token.js';
import { resolveRange } from '../key-range.js';
import { validator } from '../validate.js';

/** The input once the schema's defaults are in. */
type Input = ResizeManyInput &
  Required<Pick<ResizeManyInput, 'fit' | 'format' | 'dpr' | 'withoutEnlargement' | 'keepIcc' | 'maxInputBytes' | 'maxInputPixels' | 'extensions' | 'force' | 'limit'>>;

/** Failures that say nothing about one image: the run stops, and the host may retry it (reruns are cheap). */
const STOPS_THE_RUN: ReadonlySet<ErrorCode> = new Set(['InvalidCredentials', 'BucketNotFound', 'WrongRegion', 'Network', 'Timeout', 'Throttled', 'ServerError', 'Aborted']);

/** Failure reasons kept in the summary; `failed` still counts them all. */
const MAX_FAILURES_LISTED = 100;

/** Written keys kept in the summary for later steps; `writtenKeysOmitted` counts the rest. */
const MAX_WRITTEN_KEYS_LISTED = 1000;

/** Each image takes one core (sharp.concurrency(1), see image/sharp.ts); more would only queue. */
const DEFAULT_CONCURRENCY = Math.min(4, availableParallelism());

/**
 * Sources in progress per CPU slot: checking their outputs, waiting for memory, downloading, in
 * sharp or uploading. Only the ones in hand hold their bytes (the memory budget below); the others
 * hold a listing entry, so enough HEADs run ahead to cover S3's latency (20-100 ms a request).
 */
const SOURCES_PER_CPU = 8;

/**
 * Bytes a run holds at once per CPU slot, in sources of `maxInputBytes`: one in sharp and the next
 * one downloaded. Sources in hand start at one per slot plus one, and widen by one each time sharp
 * finds nothing ready, up to MAX_IN_HAND_PER_CPU per slot: no more read-ahead than the latency needs.
 */
const SOURCE_BYTES_PER_CPU = 2;
const MAX_IN_HAND_PER_CPU = 4;

/** A template must give each source, and each size of it, its own key. */
function checkTemplate(template: KeyTemplate, sizes: BatchSize[]): void {
  if (!(['key', 'path', 'name'] as const).some((p) => template.uses.has(p))) {
    throw invalidInput('/destinationKey', `Expected \`destinationKey\` to name each source with {name}, {path} or {key} but received ${JSON.stringify(template.text)}, which writes every image to the same key.`);
  }
  const sample = (size: BatchSize) =>
    template.render(templateValues('photos/dog.jpg', '', { format: 'jpeg', ...size.requested, size: size.requested.text, dpr: 1 }));
  const seen = new Map<string, string>();
  for (const size of sizes) {
    const key = sample(size);
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw invalidInput('/destinationKey', `Expected \`destinationKey\` to tell sizes apart with {size}, {width} or {height} but received ${JSON.stringify(template.text)}, which writes sizes "${clash}" and "${size.requested.text}" to the same key ("${key}").`);
    }
    seen.set(key, size.requested.text);
  }
}

/** "1 image", "2 images". */
const images = (n: number) => `${n} ${n === 1 ? 'image' : 'images'}`;

function counts({ processed, skipped, failed, written }: ResizeManyOutput) {
  return { processed, skipped, failed, written };
}

export const resizeMany = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<ResizeManyOutput> {
    // Everything that can be refused is refused before the first request.
    const sizes: BatchSize[] = input.sizes.map((text, i) => {
      const requested = parseSize(text, `/sizes/${i}`);
      return { requested, box: devicePixels(requested, input.dpr, `/sizes/${i}`) };
    });
    checkOptions(input);
    const template = parseTemplate(input.destinationKey);
    checkTemplate(template, sizes);
    ctx.keys.resolve(template.text, '/destinationKey');
    const prefix = input.prefix ?? '';
    const fullPrefix = ctx.keys.resolvePrefix(prefix);
    // A key range lets workers share one prefix; a token resumes inside it, past `startAfter`.
    const range = resolveRange(ctx.keys, input);
    const resumeAfter = input.continuationToken === undefined ? undefined : ctx.keys.resolve(decodeToken(input.continuationToken, prefix, input.endBefore), '/continuationToken');

    // Keys this template writes (for any source and size) are outputs, never sources: a rerun with
    // outputs under the same prefix does not resize its own thumbnails.
    const formats = input.format === 'original' ? (Object.keys(OUTPUT_FORMATS) as OutputFormat[]) : [input.format];
    const isOutput = template.pattern(formats);
    const extensions = new Set(input.extensions.map((e) => e.toLowerCase()));
    const accept = (key: string) => {
      const dot = key.lastIndexOf('.');
      return !key.endsWith('/') && dot > key.lastIndexOf('/') && extensions.has(key.slice(dot + 1).toLowerCase()) && !isOutput.test(key);
    };

    const concurrency = input.concurrency ?? DEFAULT_CONCURRENCY;
    const inProgress = concurrency * SOURCES_PER_CPU;
    const memory = new MemoryBudget({
      maxBytes: concurrency * SOURCE_BYTES_PER_CPU * input.maxInputBytes,
      initialSources: concurrency + 1,
      maxSources: concurrency * MAX_IN_HAND_PER_CPU,
    });
    const plan: BatchPlan = {
      sizes,
      template,
      prefix,
      options: input,
      dpr: input.dpr,
      cacheControl: input.cacheControl,
      limits: input,
      force: input.force,
      cpu: limiter(concurrency, () => memory.widen()),
      memory,
    };
    const sharp = await loadSharp();
    const candidates = listCandidates(ctx, { prefix: fullPrefix, startAfter: resumeAfter ?? range.startAfter, endBefore: range.endBefore, accept });
    const summary: ResizeManyOutput = { processed: 0, skipped: 0, failed: 0, written: 0, writtenKeys: [], writtenKeysOmitted: 0, ignored: 0, failures: [], isTruncated: false };
    const wrote = (keys: unknown) => {
      if (!Array.isArray(keys)) return;
      for (const key of keys as string[]) {
        summary.written++;
        if (summary.writtenKeys.length < MAX_WRITTEN_KEYS_LISTED) summary.writtenKeys.push(key);
        else summary.writtenKeysOmitted++;
      }
    };
    let taken = 0;
    let last: string | undefined;
    const sources: AsyncIterator<ListedSource> = {
      async next() {
        if (taken >= input.limit) return { done: true, value: undefined };
        taken++; // before the await: workers ask at once, and only `limit` may be handed out
        const next = await candidates.next();
        if (next.done) taken--;
        // Candidates come in key order, so the last one handed out is where a next run resumes.
        else last = next.value.key;
        return next;
      },
    };

    const report = () => {
      const done = summary.processed + summary.skipped + summary.failed;
      ctx.progress?.({
        done,
        ...(candidates.complete ? { total: Math.min(input.limit, candidates.found) } : {}),
        message: `${summary.processed} resized (${summary.written} ${summary.written === 1 ? 'output' : 'outputs'} written), ${summary.skipped} up to date, ${summary.failed} failed`,
      });
    };

    const handle = async (source: ListedSource) => {
      try {
        const { written } = await resizeSource(ctx, sharp, source, plan);
        wrote(written);
        if (written.length > 0) summary.processed++;
        else summary.skipped++;
      } catch (raw) {
        const error = ctx.fail(raw, { key: source.key });
        if (STOPS_THE_RUN.has(error.code)) throw error;
        summary.failed++;
        wrote(error.details?.written);
        if (summary.failures.length < MAX_FAILURES_LISTED) summary.failures.push({ key: source.key, code: error.code, message: error.message });
        ctx.logger?.warn(`resizeMany: ${error.message}`, { key: source.key, code: error.code });
      }
      report();
    };

    try {
      await forEachLimited(sources, inProgress, handle, ctx.signal);
      if (ctx.signal?.aborted) throw ctx.fail(ctx.signal.reason);
    } catch (raw) {
      const error = ctx.fail(raw);
      const done = summary.processed + summary.skipped + summary.failed;
      throw new ConnectorError(
        error.code,
        error.code === 'Aborted'
          ? `The run was cancelled after ${images(done)} (${summary.processed} resized, ${summary.skipped} up to date, ${summary.failed} failed). Every output written is complete; a rerun skips them.`
          : `${error.message} The run stopped after ${images(done)}; a rerun skips what is done.`,
        { retryable: error.retryable, details: { ...error.details, ...counts(summary) }, cause: error },
      );
    }

    if (taken >= input.limit && last !== undefined) {
      // Is there more? Peek one candidate (it may cost one more page request).
      const more = await candidates.next();
      if (!more.done) {
        summary.isTruncated = true;
        summary.nextContinuationToken = encodeToken(prefix, last, input.endBefore);
      }
    }
    summary.ignored = candidates.ignored;
    // In key order, whatever order the images finished in.
    summary.failures.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    summary.writtenKeys.sort();
    return summary;
  },
});
