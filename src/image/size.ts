import { invalidInput } from '../errors.js';
import { fieldName } from '../validate.js';
import { MAX_DIMENSION } from './limits.js';

/** A requested box in CSS pixels (before `dpr`); either side may be open. */
export interface RequestedSize {
  width?: number | undefined;
  height?: number | undefined;
}

const SIZE = /^(\d*)[xX](\d*)$/;

function dimension(digits: string, side: 'width' | 'height', text: string, field: string): number | undefined {
  if (digits === '') return undefined;
  const value = Number(digits);
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_DIMENSION) {
    throw invalidInput(
      field,
      `Expected integer between 1 and ${MAX_DIMENSION} for the ${side} in \`${fieldName(field)}\` but received ${digits} (in ${JSON.stringify(text)}).`,
    );
  }
  return value;
}

/**
 * Parses "200x200", "800x" or "x300" (the contract's `size`). The schema checks the shape already;
 * this names the side that is out of range, in the validator's words.
 */
export function parseSize(text: string, field: string): RequestedSize & { text: string } {
  const match = SIZE.exec(text.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    throw invalidInput(field, `Expected a size such as "200x200", "800x" or "x300" for \`${fieldName(field)}\` but received ${JSON.stringify(text)}.`);
  }
  const width = dimension(match[1]!, 'width', text, field);
  const height = dimension(match[2]!, 'height', text, field);
  return { width, height, text: `${width ?? ''}x${height ?? ''}` };
}

/** `size` or `width`/`height`: one way of saying it, not both. `text` is "" when neither is given. */
export function requestedSize(input: { size?: string | undefined; width?: number | undefined; height?: number | undefined }): RequestedSize & { text: string } {
  if (input.size !== undefined) {
    const both = [input.width !== undefined ? '`width`' : '', input.height !== undefined ? '`height`' : ''].filter(Boolean);
    if (both.length > 0) {
      throw invalidInput('/size', `Expected either \`size\` or \`width\`/\`height\` but received both \`size\` and ${both.join(' and ')}: keep one.`);
    }
    return parseSize(input.size, '/size');
  }
  const open = input.width === undefined && input.height === undefined;
  return { width: input.width, height: input.height, text: open ? '' : `${input.width ?? ''}x${input.height ?? ''}` };
}

/** Device pixels for a requested size: CSS pixels × dpr, rounded, within the output limit. */
export function devicePixels(size: RequestedSize, dpr: number, field: string): RequestedSize {
  const scale = (value: number | undefined, side: string): number | undefined => {
    if (value === undefined) return undefined;
    const pixels = Math.round(value * dpr);
    if (pixels > MAX_DIMENSION) {
      throw invalidInput(
        '/dpr',
        `Expected \`dpr\` to keep the ${side} within ${MAX_DIMENSION} pixels but ${value} × ${dpr} = ${pixels} (from \`${fieldName(field)}\`): lower \`dpr\` or the ${side}.`,
      );
    }
    return Math.max(1, pixels);
  };
  return { width: scale(size.width, 'width'), height: scale(size.height, 'height') };
}
