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

/**
 * At most `slots` calls of `run` at once; the others wait their turn, first come first served.
 * `onIdle` hears when a slot is given back and nobody is waiting for it: the work it guards (sharp)
 * is about to sit idle.
 */
export function limiter(slots: number, onIdle?: () => void): <T>(work: () => Promise<T>) => Promise<T> {
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
      else {
        free++;
        onIdle?.();
      }
    }
  };
}

/** Memory counted against a budget until `release()` (once; later calls do nothing). */
export interface Hold {
  /** Counts `bytes` more (fewer when negative) at once, without waiting: memory already in use. */
  add(bytes: number): void;
  release(): void;
}

export interface BudgetLimits {
  /** Bytes held at once. */
  maxBytes: number;
  /** Sources held at once, to begin with. */
  initialSources: number;
  /** What `widen()` may raise that to. */
  maxSources: number;
}

/**
 * What a bulk run holds in memory: the sources in hand (downloading, or waiting for and in sharp)
 * and the images rendered but not yet uploaded, in bytes, and the sources in number as well.
 * The number starts small and widens by one each time sharp ran out of work (`widen()`), so a run
 * reads ahead just as far as the network's latency needs. Sources are let in first come, first
 * served; one is always let in when nothing is held, so a source as large as the budget still runs.
 */
export class MemoryBudget {
  #bytes = 0;
  #sources = 0;
  #window: number;
  readonly #limits: BudgetLimits;
  readonly #waiting: Array<{ bytes: number; admit: () => void }> = [];

  constructor(limits: BudgetLimits) {
    this.#limits = limits;
    this.#window = Math.min(limits.initialSources, limits.maxSources);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Sources held now, and how many may be. */
  get sources(): { held: number; window: number } {
    return { held: this.#sources, window: this.#window };
  }

  /** Waits until a source of `bytes` fits, then holds it. */
  async holdSource(bytes: number): Promise<Hold> {
    if (this.#waiting.length > 0 || !this.#fits(bytes)) {
      await new Promise<void>((admit) => this.#waiting.push({ bytes, admit }));
    } else {
      this.#admit(bytes);
    }
    return this.#hold(bytes, true);
  }

  /** Holds `bytes` already in use (a rendered image), without waiting. */
  take(bytes: number): Hold {
    this.#bytes += bytes;
    return this.#hold(bytes, false);
  }

  /** Lets one more source in, up to `maxSources`. */
  widen(): void {
    if (this.#window >= this.#limits.maxSources) return;
    this.#window++;
    this.#pump();
  }

  #fits(bytes: number): boolean {
    if (this.#sources >= this.#window) return false;
    return this.#bytes === 0 || this.#bytes + bytes <= this.#limits.maxBytes;
  }

  #admit(bytes: number): void {
    this.#sources++;
    this.#bytes += bytes;
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const next = this.#waiting.shift()!;
      this.#admit(next.bytes);
      next.admit();
    }
  }

  #hold(bytes: number, source: boolean): Hold {
    let held = bytes;
    let released = false;
    return {
      add: (more) => {
        if (released) return;
        held += more;
        this.#bytes += more;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#bytes -= held;
        if (source) this.#sources--;
        this.#pump();
      },
    };
  }
}
