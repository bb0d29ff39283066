/** The error codes of the host contract, section 3. */
export const ERROR_CODES = [
  'InvalidInput',
  'InvalidCredentials',
  'AccessDenied',
  'BucketNotFound',
  'WrongRegion',
  'NotFound',
  'Conflict',
  'TooLarge',
  'UnsupportedImage',
  'Throttled',
  'Timeout',
  'Network',
  'Aborted',
  'ServerError',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['Throttled', 'Timeout', 'Network', 'ServerError']);

export interface ConnectorErrorOptions {
  /** Defaults to the code's usual answer: throttling, timeouts, network and 5xx are worth a retry. */
  retryable?: boolean;
  /** JSON Pointer into the input, e.g. `/width`. */
  field?: string;
  /** Facts a host may show or log: never a secret. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
  }

  /** The plain JSON a host stores or shows. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError;
}

export function invalidInput(field: string, message: string, details?: Record<string, unknown>): ConnectorError {
  return new ConnectorError('InvalidInput', message, { field, ...(details ? { details } : {}) });
}
