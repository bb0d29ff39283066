/** The caller's signal (if any) combined with a deadline, so no probe can hang past it. */
export function withDeadline(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

/** Something that can tell its listeners it was cancelled: a signal, or a run's AbortScope. */
interface Cancellable {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `listener` once on cancel; returns what removes it. */
  onAbort(listener: () => void): () => void;
}

function cancellable(signal: AbortSignal): Cancellable {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason as unknown;
    },
    onAbort(listener) {
      signal.addEventListener('abort', listener, { once: true });
      return () => signal.removeEventListener('abort', listener);
    },
  };
}

/**
 * Settles when `signal` (or the run's scope) fires even if the work does not notice it: the SDK
 * honours abortSignal per request, but not while it waits between retries.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | AbortScope | undefined): Promise<T> {
  if (!signal) return work;
  const cancel = signal instanceof AbortScope ? signal : cancellable(signal);
  if (cancel.aborted) {
    // The work was started and still settles: observe it, or its rejection (the SDK's "Request
    // aborted") is unhandled and ends the process of a host that does not catch those.
    work.catch(() => {});
    return Promise.reject(cancel.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = cancel.onAbort(() => reject(cancel.reason));
    work.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/**
 * One run's cancellation, with a single listener on the host's signal however many requests and
 * streams the run has in flight: they register here, and each request gets a signal of its own
 * (`child()`), where the SDK adds its listeners. One listener per request on the host's signal
 * trips Node's MaxListenersExceededWarning past 10, which a bulk resize reaches with a few images
 * in flight; raising the limit would only hide a real leak elsewhere.
 */
export class AbortScope implements Cancellable {
  readonly signal: AbortSignal | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #fire = () => {
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  };

  constructor(signal: AbortSignal | undefined) {
    this.signal = signal;
    signal?.addEventListener('abort', this.#fire, { once: true });
  }

  get aborted(): boolean {
    return this.signal?.aborted ?? false;
  }

  get reason(): unknown {
    return this.signal?.reason as unknown;
  }

  /** Calls `listener` once when the run is cancelled (at once if it already is); returns what removes it. */
  onAbort(listener: () => void): () => void {
    if (!this.signal) return () => {};
    if (this.signal.aborted) {
      listener();
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A signal for one request, aborted with the run; `dispose()` once the request is over. */
  child(): { signal: AbortSignal | undefined; dispose(): void } {
    if (!this.signal) return { signal: undefined, dispose: () => {} };
    const controller = new AbortController();
    const dispose = this.onAbort(() => controller.abort(this.reason));
    return { signal: controller.signal, dispose };
  }

  /** Stops listening to the host's signal: the run is over. */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.#fire);
    this.#listeners.clear();
  }
}
