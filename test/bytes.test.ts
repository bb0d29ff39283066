import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/bytes.js';

describe('byte counts in messages', () => {
  it('reads like a person writes them, and never shows 1024 of a unit', () => {
    expect(formatBytes(1000)).toBe('1000 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16 MiB');
    // Just over a limit still reads as over it.
    expect(formatBytes(16 * 1024 * 1024 + 1)).toBe('16.0 MiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
  });
});
