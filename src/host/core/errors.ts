/**
 * What the host makes of a failure: the connector's errors (known only by their shape, as the contract
 * describes them), the host's own (usage, setup), and the CLI's exit code for each.
 */

/**
 * The contract's error codes (host contract v1, section 3). Only the type is shared with the package:
 * erased at build time, it makes EXIT_CODES below fail to compile if a code is ever missing.
 */
import type { ErrorCode as ContractErrorCode } from '../../errors.js';

export type { ContractErrorCode };

/** The host's own failures: a wrong command line, or a host that cannot start (bad manifest, wrong key). */
export type HostErrorCode = 'Usage' | 'Setup';

export type ErrorCode = ContractErrorCode | HostErrorCode;

/**
 * The CLI's exit codes. Stable: scripts branch on them, so a code is never renumbered or reused.
 *
 * | exit | meaning                                                              |
 * |------|----------------------------------------------------------------------|
 * | 0    | success                                                              |
 * | 1    | unexpected error (a bug: please report it)                           |
 * | 2    | usage: unknown command, flag, action or saved connection; bad --input |
 * | 3    | setup: the connector cannot be loaded, or the store cannot be opened  |
 * | 10   | InvalidInput                                                         |
 * | 11   | InvalidCredentials                                                   |
 * | 12   | AccessDenied                                                         |
 * | 13   | BucketNotFound                                                       |
 * | 14   | WrongRegion                                                          |
 * | 15   | NotFound                                                             |
 * | 16   | Conflict                                                             |
 * | 17   | TooLarge                                                             |
 * | 18   | UnsupportedImage                                                     |
 * | 19   | Throttled                                                            |
 * | 20   | Timeout                                                              |
 * | 21   | Network                                                              |
 * | 22   | ServerError                                                          |
 * | 130  | Aborted (Ctrl-C): 128 + SIGINT, what shells report for an interrupt   |
 */
export const EXIT_CODES = {
  ok: 0,
  bug: 1,
  Usage: 2,
  Setup: 3,
  InvalidInput: 10,
  InvalidCredentials: 11,
  AccessDenied: 12,
  BucketNotFound: 13,
  WrongRegion: 14,
  NotFound: 15,
  Conflict: 16,
  TooLarge: 17,
  UnsupportedImage: 18,
  Throttled: 19,
  Timeout: 20,
  Network: 21,
  ServerError: 22,
  Aborted: 130,
} as const satisfies Record<ErrorCode | 'ok' | 'bug', number>;

export interface HostErrorOptions {
  details?: Record<string, unknown>;
  field?: string;
  cause?: unknown;
}

/** A failure of the host itself, with a message that says what to do. */
export class HostError extends Error {
  override readonly name = 'HostError';
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, options: HostErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
    if (options.field !== undefined) this.field = options.field;
  }
}

/** An expected failure as a host shows it: plain JSON, no stack, no cause. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  field?: string;
  details?: Record<string, unknown>;
}

const NOT_CONTRACT_CODES: ReadonlySet<string> = new Set(['ok', 'bug', 'Usage', 'Setup']);
/** The contract's codes, from the exit table that names each of them. */
export const CONTRACT_ERROR_CODES = Object.keys(EXIT_CODES).filter((code) => !NOT_CONTRACT_CODES.has(code)) as ContractErrorCode[];
const CONTRACT_CODES: ReadonlySet<string> = new Set(CONTRACT_ERROR_CODES);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The ErrorInfo of an expected failure, or undefined for a bug. A connector's error is recognised by
 * the contract's shape (`name: "ConnectorError"` and a known `code`), never by `instanceof`: the
 * connector's module is not the host's.
 */
export function errorInfo(error: unknown): ErrorInfo | undefined {
  if (error instanceof HostError) {
    return {
      code: error.code,
      message: error.message,
      retryable: false,
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  if (!isRecord(error) || error.name !== 'ConnectorError' || typeof error.code !== 'string' || !CONTRACT_CODES.has(error.code)) {
    return undefined;
  }
  return {
    code: error.code as ContractErrorCode,
    message: typeof error.message === 'string' ? error.message : error.code,
    retryable: error.retryable === true,
    ...(typeof error.field === 'string' ? { field: error.field } : {}),
    ...(isRecord(error.details) ? { details: error.details } : {}),
  };
}

/** The exit code for a failure (1 for anything that is not an expected failure). */
export function exitCodeOf(error: unknown): number {
  const info = errorInfo(error);
  return info ? EXIT_CODES[info.code] : EXIT_CODES.bug;
}

/** The exit code for a contract code, e.g. from a failed `testConnection` result. */
export function exitCodeFor(code: string): number {
  return code in EXIT_CODES ? EXIT_CODES[code as ErrorCode] : EXIT_CODES.bug;
}
