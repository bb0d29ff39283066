/**
 * Cancelling while requests are being started: a request begun just as the run was cancelled still
 * settles later, and its rejection must be observed, or a host process that does not catch unhandled
 * rejections (the CLI, a queue worker) ends with the SDK's "Request aborted".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { abortable, AbortScope } from '../src/signal.js';

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
afterEach(() => {
  process.off('unhandledRejection', record);
  unhandled.length = 0;
});

/** Lets every pending rejection be reported as handled or not. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('work raced against a cancelled run', () => {
  it('is refused at once, and its later failure is observed, never left unhandled', async () => {
    process.on('unhandledRejection', record);
    const host = new AbortController();
    host.abort(new Error('The run was cancelled.'));
    for (const cancel of [host.signal, new AbortScope(host.signal)]) {
      // As the SDK's send does when its request is aborted: it rejects a moment later.
      const work = new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })), 5));
      await expect(abortable(work, cancel)).rejects.toThrow('The run was cancelled.');
    }
    await settle();
    expect(unhandled).toEqual([]);
  });
});
