import type { S3Client, S3ClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { Command } from '@smithy/types';
import { leaseClient } from './connection/client.js';
import { resolveConnection } from './connection/resolve.js';
import type { ActionContext, ActionHandler, FileStore, Logger, Progress } from './contract.js';
import { ConnectorError } from './errors.js';
import type { Connection } from './generated/connection.js';
import { iamActionFor } from './iam.js';
import type { KeyScope } from './keys.js';
import { mapError, type ErrorContext } from './map-error.js';
import { AbortScope, abortable } from './signal.js';
import type { Validator } from './validate.js';

/** What a failing call was about, for its error message. */
export interface About {
  /** The key as the user gave it. */
  key?: string | undefined;
  /** Overrides the IAM action derived from the command (e.g. s3:GetObjectVersion). */
  iamAction?: string | undefined;
  conflictMessage?: string | undefined;
}

export type S3Command<I extends ServiceInputTypes, O extends ServiceOutputTypes> = Command<
  ServiceInputTypes,
  I,
  ServiceOutputTypes,
  O,
  S3ClientResolvedConfig
>;

/** Everything an action needs; it never builds a client or parses an SDK error itself. */
export interface RunContext {
  readonly s3: S3Client;
  readonly connection: Connection;
  readonly bucket: string;
  readonly keys: KeyScope;
  readonly signal: AbortSignal | undefined;
  /** The run's one listener on `signal`: requests and streams register here, never on `signal` itself. */
  readonly abort: AbortScope;
  readonly logger: Logger | undefined;
  readonly progress: ((p: Progress) => void) | undefined;
  /** `s3.send` with the run's signal, and errors mapped to ConnectorError naming the key and IAM action. */
  send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(command: S3Command<I, O>, about?: About): Promise<O>;
  /** Maps an error from work outside `send` (uploads, streams) the same way. */
  fail(error: unknown, about?: About): ConnectorError;
  /** The host's file store, or InvalidInput naming `field` when the host gave none. */
  files(field: string): FileStore;
}

export interface ActionSpec<I, O> {
  input: Validator<I>;
  run(input: I, ctx: RunContext): Promise<O>;
}

function aborted(): ConnectorError {
  return new ConnectorError('Aborted', 'The run was cancelled before it started.');
}

/**
 * The host's progress callback, kept from breaking the run: it is called from inside streams and
 * event emitters, where a throw would surface as an uncaught exception rather than as this run's error.
 */
function guarded(progress: (p: Progress) => void, logger: Logger | undefined): (p: Progress) => void {
  return (p) => {
    try {
      progress(p);
    } catch (error) {
      logger?.warn('The host\'s progress callback threw; the run goes on.', { error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * Wraps an action: validates the connection and input before any network call, leases the shared
 * client, and maps every failure to a ConnectorError.
 */
export function defineAction<I, O>(spec: ActionSpec<I, O>): ActionHandler {
  return (rawInput: unknown, actionCtx: ActionContext): Promise<O> => runHook(spec.input, rawInput, actionCtx, spec.run);
}

/**
 * One call of a connector hook (an action, or a trigger's enable, poll or sample): the connection and
 * input validated before any network call, the leased client, and every failure a ConnectorError.
 */
export async function runHook<I, O>(validate: Validator<I>, rawInput: unknown, actionCtx: ActionContext, run: (input: I, ctx: RunContext) => Promise<O>): Promise<O> {
  const { signal, logger, progress, files } = actionCtx;
  if (signal?.aborted) throw aborted();
  const { connection, settings, keys, errorContext } = resolveConnection(actionCtx.connection);
  const input = validate(rawInput);
  const lease = leaseClient(settings);
  const abort = new AbortScope(signal);
  const context = (about: About = {}, command?: object): ErrorContext => ({
    ...errorContext,
    key: about.key,
    iamAction: about.iamAction ?? (command ? iamActionFor(command) : undefined),
    conflictMessage: about.conflictMessage,
    signal,
  });
  const ctx: RunContext = {
    s3: lease.client,
    connection,
    bucket: connection.bucket,
    keys,
    signal,
    abort,
    logger,
    progress: progress && guarded(progress, logger),
    async send(command, about) {
      // No request starts once the run is cancelled.
      if (abort.aborted) throw mapError(abort.reason, context(about, command));
      const request = abort.child();
      try {
        return await abortable(lease.client.send(command, request.signal ? { abortSignal: request.signal } : {}), request.signal);
      } catch (error) {
        throw mapError(error, context(about, command));
      } finally {
        request.dispose();
      }
    },
    fail: (error, about) => mapError(error, context(about)),
    files(field) {
      if (!files) {
        throw new ConnectorError('InvalidInput', `\`${field.slice(1)}\` needs the host's file store, and this host gave none. Use another mode, or run the action in a host that passes ctx.files.`, { field });
      }
      return files;
    },
  };
  try {
    return await run(input, ctx);
  } catch (error) {
    throw mapError(error, context());
  } finally {
    abort.dispose();
    lease.release();
  }
}
