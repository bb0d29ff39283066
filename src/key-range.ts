/**
 * Key ranges: the keys strictly after `startAfter` and strictly before `endBefore`, in S3's order
 * (UTF-8 bytes), so that workers can own disjoint slices of one prefix (list, resizeMany, splitPrefix).
 */
import { invalidInput } from './errors.js';
import { quoted, type KeyScope } from './keys.js';
import { compareKeys } from './listing.js';

/** Full keys, base path included; undefined for an open end. */
export interface KeyRange {
  startAfter: string | undefined;
  endBefore: string | undefined;
}

/**
 * U+0000 sorts before every other character, so `key + KEY_SUCCESSOR` is the first string after
 * `key`: an `endBefore` of that form takes in `key` itself and nothing after it. This is how two
 * ranges meet without a gap or an overlap when both ends are exclusive.
 */
export const KEY_SUCCESSOR = '\u0000';

/** The `endBefore` that ends a range just after `key`. */
export function endJustAfter(key: string): string {
  return key + KEY_SUCCESSOR;
}

/**
 * The input's range as full keys, refused (InvalidInput) when it cannot hold a key. `endBefore` is a
 * bound, never sent to S3, so it may end in U+0000 (see KEY_SUCCESSOR); the rest is checked like a prefix.
 */
export function resolveRange(keys: KeyScope, input: { startAfter?: string | undefined; endBefore?: string | undefined }): KeyRange {
  const startAfter = input.startAfter === undefined ? undefined : keys.resolvePrefix(input.startAfter, '/startAfter');
  let endBefore: string | undefined;
  if (input.endBefore !== undefined) {
    const bare = input.endBefore.replace(/\u0000+$/, '');
    endBefore = keys.resolvePrefix(bare, '/endBefore') + input.endBefore.slice(bare.length);
  }
  if (startAfter !== undefined && endBefore !== undefined && compareKeys(startAfter, endBefore) >= 0) {
    throw invalidInput(
      '/endBefore',
      `Expected \`endBefore\` to sort after \`startAfter\` (${quoted(input.startAfter!)}) in S3's order (by UTF-8 bytes) but received ${quoted(input.endBefore!)}: no key lies between them.`,
    );
  }
  return { startAfter, endBefore };
}
