/**
 * Runs `work` over `items` with at most `concurrency` at once. A failure (of `work` or of the
 * iterator) stops the others from taking more, and is thrown only once every started one has
 * settled, so nothing is left running (or uploading) after the caller returns.
 */
export async function forEachLimited<T>(
  items: AsyncIterator<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    try {
      while (!failure && !signal?.aborted) {
        const next = await items.next();
        if (next.done) return;
        await work(next.value);
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure.error;
}

/** At most `slots` calls of `run` at once; the others wait their turn, first come first served. */
export function limiter(slots: number): <T>(work: () => Promise<T>) => Promise<T> {
  let free = slots;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}
