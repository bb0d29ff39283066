/**
 * The host contract's types (version 1, section 3). FileRef comes from its schema, like every other data type.
 */
import type { ErrorCode } from './errors.js';
import type { FileRef } from './generated/file-ref.js';

export type { FileRef };

export interface Logger {
  debug(msg: string, data?: object): void;
  info(msg: string, data?: object): void;
  warn(msg: string, data?: object): void;
  error(msg: string, data?: object): void;
}

export interface FileStore {
  write(file: { name: string; data: NodeJS.ReadableStream | Uint8Array; contentType?: string }): Promise<FileRef>;
  read(ref: FileRef): Promise<NodeJS.ReadableStream>;
}

export interface Progress {
  done: number;
  total?: number;
  message?: string;
}

export interface TestContext {
  signal?: AbortSignal;
  logger?: Logger;
}

export interface ActionContext extends TestContext {
  connection: unknown;
  files?: FileStore;
  progress?: (p: Progress) => void;
}

export type TestResult =
  | { ok: true; message: string; details?: object }
  | { ok: false; code: ErrorCode; message: string; details?: object };

export type ActionHandler = (input: unknown, ctx: ActionContext) => Promise<unknown>;

/** Host contract 1.1, section 5: what a polling trigger keeps between polls. JSON, opaque to the host, at most 64 KiB serialized. */
export type TriggerState = unknown;

export interface TriggerEvent {
  /** Stable for the same change: a replayed poll gives the same ids, and the host drops one it has queued. */
  id: string;
  /** From the service's clock, never the host's (ISO 8601). */
  occurredAt: string;
  type: string;
  /** Matches the trigger's output schema. */
  data: object;
}

export interface PollContext extends ActionContext {
  /** What the previous poll (or `enable`) returned; undefined on a first poll, which only baselines. */
  state: TriggerState | undefined;
}

export interface PollResult {
  events: TriggerEvent[];
  state: TriggerState;
  /** True: call again now, not at the next tick. */
  more?: boolean;
  /** Beyond the contract: the limits this poll hit, in words (also logged as warnings). */
  warnings?: string[];
}

export interface TriggerHandler {
  /** Baselines: what exists now fires nothing. */
  enable?(input: unknown, ctx: ActionContext): Promise<TriggerState>;
  poll(input: unknown, ctx: PollContext): Promise<PollResult>;
  /** Recent real examples, newest first; never changes state. */
  sample(input: unknown, ctx: ActionContext): Promise<TriggerEvent[]>;
}
