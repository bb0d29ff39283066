/**
 * Object tags sent with the upload (x-amz-tagging), so an object never exists untagged.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
 */
import { invalidInput } from './errors.js';
import { MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS } from './limits.js';
import { childPointer } from './validate.js';

/** Letters, digits and spaces of any script, and + - = . _ : / @ (S3's tag alphabet). */
const TAG_TEXT = /^[\p{L}\p{N}\p{Zs}+\-=._:/@]*$/u;

/** Checks `tags` against S3's rules and returns the x-amz-tagging header (a URL query string). */
export function taggingHeader(tags: Record<string, string> | undefined, field = '/tags'): string | undefined {
  if (tags === undefined) return undefined;
  const entries = Object.entries(tags);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_TAGS) {
    throw invalidInput(field, `Expected at most ${MAX_TAGS} tags (S3's limit per object) but received ${entries.length}.`);
  }
  for (const [name, value] of entries) {
    const at = childPointer(field, name);
    const nameChars = [...name].length;
    if (nameChars === 0 || nameChars > MAX_TAG_KEY_CHARS) {
      throw invalidInput(at, `Expected a tag name of 1 to ${MAX_TAG_KEY_CHARS} characters but received ${nameChars}.`);
    }
    if (name.toLowerCase().startsWith('aws:')) {
      throw invalidInput(at, `Expected a tag name that does not start with "aws:" (S3 keeps that prefix for AWS's own tags) but received ${JSON.stringify(name)}.`);
    }
    if ([...value].length > MAX_TAG_VALUE_CHARS) {
      throw invalidInput(at, `Expected a tag value of at most ${MAX_TAG_VALUE_CHARS} characters for tag ${JSON.stringify(name)} but received ${[...value].length}.`);
    }
    for (const [what, text] of [['name', name], ['value', value]] as const) {
      if (!TAG_TEXT.test(text)) {
        throw invalidInput(at, `Expected a tag ${what} of letters, digits, spaces and + - = . _ : / @ but received ${JSON.stringify(text)}.`);
      }
    }
  }
  return encodeTagging(entries);
}

/** Tags as the x-amz-tagging header wants them: a URL query string. */
export function encodeTagging(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
}
