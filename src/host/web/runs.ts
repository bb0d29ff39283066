/**
 * Action runs started from the page: each has its own AbortController (Cancel aborts it), its progress and
 * masked log lines, and ends with an output or an error. The page polls a run until it ends.
 */
import { randomUUID } from 'node:crypto';
import type { Progress } from '../core/connector.js';
import { errorInfo } from '../core/errors.js';
import { fileRefsIn } from '../core/files.js';
import type { LogSink } from '../core/logger.js';
import type { ApiError, FileView, LogLine, RunView } from './api-types.js';

/** Finished runs kept for the page to read back; the oldest go first. */
const MAX_FINISHED_RUNS = 50;
/** A run's log is for a person to skim, not an archive. */
const MAX_LOG_LINES = 200;

export interface RunHooks {
  signal: AbortSignal;
  progress(p: Progress): void;
  /** Collects the run's log lines, masked, into its view. */
  log: LogSink;
}

/** The FileRefs in an output, as plain copies for the page: id, name, size and type only. */
function filesOf(output: unknown): FileView[] {
  return fileRefsIn(output).map(({ id, name, size, contentType }) => ({ id, name, ...(size === undefined ? {} : { size }), ...(contentType === undefined ? {} : { contentType }) }));
}

/** A thrown value as the page shows it: a connector's (or the host's) error as is, anything else as a bug. */
export function toApiError(error: unknown): ApiError {
  return (
    errorInfo(error) ?? {
      code: 'HostError',
      message: `The action failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    }
  );
}

interface Run {
  view: RunView;
  controller: AbortController;
}

export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  /** The files that run outputs referred to: the only ones GET /api/files/:id serves. */
  readonly #files = new Map<string, FileView>();
  readonly #echo: LogSink | undefined;

  /** `echo` also receives every run's (masked) log lines, e.g. the terminal. */
  constructor(echo?: LogSink) {
    this.#echo = echo;
  }

  /** Starts `work` now; `mask` removes the run's secrets from anything it hands back (output, error, logs). */
  start(action: string, mask: (value: unknown) => unknown, work: (hooks: RunHooks) => Promise<unknown>): RunView {
    const controller = new AbortController();
    const view: RunView = { id: randomUUID(), action, status: 'running', startedAt: new Date().toISOString(), files: [], logs: [] };
    const log: LogSink = (level, message, data) => {
      const masked = mask({ level, message, ...(data === undefined ? {} : { data }) }) as LogLine;
      this.#echo?.(level, `[${action} ${view.id.slice(0, 8)}] ${masked.message}`, masked.data);
      if (view.logs.length < MAX_LOG_LINES) view.logs.push(masked);
    };
    const hooks: RunHooks = {
      signal: controller.signal,
      progress: (p) => {
        if (view.status === 'running') view.progress = mask({ done: p.done, total: p.total, message: p.message }) as RunView['progress'];
      },
      log,
    };
    this.#runs.set(view.id, { view, controller });
    this.#prune();
    // The run goes on after the request that started it has been answered; the page polls for its end.
    void Promise.resolve()
      .then(() => work(hooks))
      .then(
        (output) => {
          // Plain JSON, as the contract says outputs are (a Date becomes its ISO string).
          view.output = output === undefined ? undefined : mask(JSON.parse(JSON.stringify(output)));
          view.files = filesOf(view.output);
          for (const file of view.files) this.#files.set(file.id, file);
          view.finishedAt = new Date().toISOString();
          view.status = 'succeeded';
        },
        (error: unknown) => {
          view.error = mask(toApiError(error)) as ApiError;
          view.finishedAt = new Date().toISOString();
          view.status = controller.signal.aborted ? 'cancelled' : 'failed';
        },
      );
    return view;
  }

  get(id: string): RunView | undefined {
    return this.#runs.get(id)?.view;
  }

  cancel(id: string): RunView | undefined {
    const run = this.#runs.get(id);
    if (run?.view.status === 'running') run.controller.abort();
    return run?.view;
  }

  file(id: string): FileView | undefined {
    return this.#files.get(id);
  }

  /** Lets GET /api/files/:id serve a file the host made outside a run (an image preview). */
  keepFile(file: FileView): void {
    this.#files.set(file.id, file);
  }

  /** Aborts every run still going: the server is shutting down. */
  cancelAll(): void {
    for (const run of this.#runs.values()) if (run.view.status === 'running') run.controller.abort();
  }

  #prune(): void {
    const finished = [...this.#runs.values()].filter((run) => run.view.status !== 'running');
    for (const run of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_RUNS))) this.#runs.delete(run.view.id);
  }
}
