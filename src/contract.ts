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
