/**
 * Invoking the connector's hooks with the full context a host owes them (host contract v1, section 3):
 * the saved connection with its secrets decrypted, an AbortSignal, a logger that masks those secrets,
 * the local file store, and progress.
 */
import type { ActionContext, LoadedConnector, LoadOptions, Progress, SuggestRequest, SuggestResult, TestResult } from './connector.js';
import { loadConnector } from './connector.js';
import { LocalFileStore } from './files.js';
import { maskingLogger, maskSecrets, secretValues, type LogSink } from './logger.js';
import { filesDir } from './paths.js';
import { ConnectionStore, type StoreOptions } from './store.js';
import type { TriggerHookName } from './triggers.js';

export interface InvokeOptions {
  signal?: AbortSignal;
  /** Where log lines go once the secrets are masked; dropped when absent. */
  log?: LogSink;
  progress?: (p: Progress) => void;
}

/** A saved connection name or id, or connection values given inline (a form's "Create new connection"). */
export type ConnectionRef = string | { values: Record<string, unknown> };

export interface Host {
  connector: LoadedConnector;
  store: ConnectionStore;
  files: LocalFileStore;
  /** The connection's values with secrets decrypted, and the secret values to mask. */
  connection(ref: ConnectionRef): Promise<{ values: Record<string, unknown>; secrets: string[] }>;
  test(ref: ConnectionRef, options?: InvokeOptions): Promise<TestResult>;
  /** Runs an action; its output and any error leave with every secret of the connection masked. */
  run(actionId: string, ref: ConnectionRef, input: unknown, options?: InvokeOptions): Promise<unknown>;
  /** The connector's choices for a field (contract 1.2, section 6), masked like an action's output. */
  suggest(ref: ConnectionRef, request: SuggestRequest, options?: InvokeOptions): Promise<SuggestResult>;
  /** Calls a trigger's enable, poll (with `options.state`) or sample, masked like `run`. */
  trigger(triggerId: string, hook: TriggerHookName, ref: ConnectionRef, input: unknown, options?: InvokeOptions & { state?: unknown }): Promise<unknown>;
}

export interface OpenHostOptions extends StoreOptions, LoadOptions {
  connectorDir: string;
  home: string;
  /** How this host takes files in, added to the file store's error for an id it does not know. */
  filesHint?: string;
}

const silent: LogSink = () => {};

/** Loads the connector and opens the store and file store under `home`. */
export async function openHost(options: OpenHostOptions): Promise<Host> {
  const connector = await loadConnector(options.connectorDir, options);
  const store = await ConnectionStore.open(options.home, options);
  const files = new LocalFileStore(filesDir(options.home), options.filesHint === undefined ? {} : { unknownIdHint: options.filesHint });

  const connection: Host['connection'] = async (ref) => {
    const values = typeof ref === 'string' ? await store.reveal(store.resolve(ref).id) : ref.values;
    return { values, secrets: secretValues(values, connector.secretFields) };
  };

  return {
    connector,
    store,
    files,
    connection,
    async test(ref, options = {}) {
      const { values, secrets } = await connection(ref);
      const logger = maskingLogger(options.log ?? silent, secrets);
      const result = await connector.testConnection(values, { logger, ...(options.signal ? { signal: options.signal } : {}) });
      return maskSecrets(result, secrets);
    },
    run: (actionId, ref, input, options = {}) => invoke(ref, options, (ctx) => connector.runAction(actionId, input, ctx)),
    suggest: (ref, request, options = {}) => invoke(ref, options, (ctx) => connector.suggest(request, ctx)),
    trigger: (triggerId, hook, ref, input, options = {}) =>
      invoke(ref, options, (ctx) => connector.runTrigger(triggerId, hook, input, hook === 'poll' ? { ...ctx, state: options.state } : ctx)),
  };

  /** Calls a hook with the full context, and masks the connection's secrets out of what it returns or throws. */
  async function invoke<T>(ref: ConnectionRef, options: InvokeOptions, hook: (ctx: ActionContext) => Promise<T>): Promise<T> {
    const { values, secrets } = await connection(ref);
    const ctx: ActionContext = {
      connection: values,
      files,
      logger: maskingLogger(options.log ?? silent, secrets),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    };
    try {
      return maskSecrets(await hook(ctx), secrets);
    } catch (error) {
      throw maskError(error, secrets);
    }
  }
}

/** The same error, its message and details masked in place (it keeps its class, code and cause chain). */
function maskError(error: unknown, secrets: string[]): unknown {
  if (typeof error !== 'object' || error === null || secrets.length === 0) return error;
  const e = error as { message?: unknown; details?: unknown };
  try {
    if (typeof e.message === 'string') e.message = maskSecrets(e.message, secrets);
    if (typeof e.details === 'object' && e.details !== null) e.details = maskSecrets(e.details, secrets);
  } catch {
    // A frozen error keeps its text; the connector already promises no secret in it.
  }
  return error;
}

export interface Cancellation {
  signal: AbortSignal;
  /** Removes the SIGINT handler. */
  dispose(): void;
}

/**
 * An AbortController wired to Ctrl-C: the first press cancels the run through its signal (the action
 * stops and cleans up), a second press quits at once with 130.
 */
export function cancelOnSigint(onCancel: () => void = () => {}): Cancellation {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    onCancel();
    controller.abort(new Error('Cancelled with Ctrl-C'));
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}

/** At most one progress report per `intervalMs`, plus the final one (done === total), so a fast loop cannot flood a terminal or a socket. */
export function throttleProgress(forward: (p: Progress) => void, intervalMs = 100): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < intervalMs && p.done !== p.total) return;
    last = now;
    forward(p);
  };
}
