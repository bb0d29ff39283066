/**
 * Splits a prefix into key ranges of nearly equal count, for workers that share one bulk job.
 *
 * One listing pass, not sampling: S3 can neither count keys nor jump to the n-th one, so any sample
 * (StartAfter probes at made-up keys) has to guess how names spread over the byte space: right for
 * hashed names, far off for dated paths like photos/2024/IMG_0001.jpg. The pass costs one
 * ListObjectsV2 per 1,000 keys (a million keys: 1,000 requests, about $0.005 and a few minutes, one
 * page after another since each continues from the last), reads no object, and gives exact counts;
 * memory stays bounded by KeySample whatever the number of keys.
 */
import inputSchema from '../../schemas/actions/splitPrefix.input.json';
import { defineAction } from '../action.js';
import type { SplitPrefixInput } from '../generated/actions/splitPrefix.input.js';
import type { SplitPrefixOutput } from '../generated/actions/splitPrefix.output.js';
import { endJustAfter, resolveRange } from '../key-range.js';
import { KeySample } from '../key-sample.js';
import { MAX_KEYS_PER_PAGE } from '../limits.js';
import { listPages } from '../listing.js';
import { validator } from '../validate.js';

type Range = SplitPrefixOutput['ranges'][number];

/**
 * Keys kept per range asked for: a split point is then at most 1/SAMPLE_PER_PART of a range's
 * count from the ideal (1.6% here), for about 100 bytes of memory per kept key.
 */
const SAMPLE_PER_PART = 64;
const MIN_SAMPLE = 4096;

export const splitPrefix = defineAction({
  input: validator<SplitPrefixInput>(inputSchema),
  async run(input, ctx): Promise<SplitPrefixOutput> {
    const range = resolveRange(ctx.keys, input);
    const prefix = ctx.keys.resolvePrefix(input.prefix);
    const extensions = input.extensions && new Set(input.extensions.map((e) => e.toLowerCase()));
    const counted = (key: string) => {
      if (!extensions) return true;
      const dot = key.lastIndexOf('.');
      return dot > key.lastIndexOf('/') && extensions.has(key.slice(dot + 1).toLowerCase());
    };

    /**
     * A split point becomes the next range's `startAfter`, which list and resizeMany check like a key:
     * one they would refuse (a control character, a ".." segment) is counted but never chosen.
     */
    const usable = (fullKey: string) => {
      try {
        ctx.keys.resolvePrefix(ctx.keys.relative(fullKey), '/startAfter');
        return true;
      } catch {
        return false;
      }
    };
    const sample = new KeySample(Math.max(MIN_SAMPLE, SAMPLE_PER_PART * input.parts));
    let listed = 0;
    let requests = 0;
    await listPages(
      ctx,
      { prefix, delimiter: undefined, ...range, resume: undefined, pageSize: MAX_KEYS_PER_PAGE, limit: Number.POSITIVE_INFINITY, all: true },
      (page) => {
        requests++;
        for (const object of page.objects) {
          listed++;
          if (counted(object.Key!)) sample.add(object.Key!, usable(object.Key!));
        }
        ctx.progress?.({ done: listed, message: `Listed ${listed} keys, ${sample.total} counted` });
      },
    );

    // Each split point is the last key of one range: the next starts after it, and this one ends just after it.
    const points = sample.splitPoints(Math.min(input.parts, Math.max(1, sample.total)));
    const ranges: Range[] = [];
    let previous: { position: number; startAfter: string | undefined } = { position: 0, startAfter: input.startAfter };
    for (const point of [...points, undefined]) {
      const key = point && ctx.keys.relative(point.key);
      const endBefore = key === undefined ? input.endBefore : endJustAfter(key);
      const position = point?.position ?? sample.total;
      ranges.push({
        ...(previous.startAfter === undefined ? {} : { startAfter: previous.startAfter }),
        ...(endBefore === undefined ? {} : { endBefore }),
        count: position - previous.position,
      });
      previous = { position, startAfter: key };
    }
    return { ranges, total: sample.total, listed, requests };
  },
});
