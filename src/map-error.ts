import { ConnectorError, type ErrorCode } from './errors.js';

/** What the failing call was about, so the message can name the bucket, the key and the IAM action. */
export interface ErrorContext {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  /** The connection's normalised base path (`""` or ending in `/`), so an ARN names the full key. */
  basePath?: string | undefined;
  /** The key as the user gave it (relative to the base path). */
  key?: string | undefined;
  /** The IAM action the call needs, e.g. `s3:GetObject`. */
  iamAction?: string | undefined;
  /** Replaces the generic Conflict message where the caller knows what the precondition meant. */
  conflictMessage?: string | undefined;
  /** The run's signal: once it has fired, every failure is the cancellation's doing. */
  signal?: AbortSignal | undefined;
  /** The time limit behind `signal`'s deadline, if any, so a Timeout can say how long it waited. */
  timeoutMs?: number | undefined;
}

/** The fields of an AWS SDK v3 service error (or a Node network error) that we read. */
interface RawError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  Region?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
  /** RequestTimeTooSkewed: when the request was signed, and S3's own time. */
  RequestTime?: string;
  ServerTime?: string;
  cause?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNABORTED',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const THROTTLE_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'TooManyRequestsException', 'RequestLimitExceeded']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/;

function asRaw(error: unknown): RawError {
  return typeof error === 'object' && error !== null ? (error as RawError) : { message: String(error) };
}

/** Network errors arrive wrapped by the SDK; the Node error code sits somewhere down the cause chain. */
function nodeCode(raw: RawError): string | undefined {
  for (let e: RawError | undefined = raw, depth = 0; e && depth < 5; e = asRawOrUndefined(e.cause), depth++) {
    if (typeof e.code === 'string' && e.code.length > 0) return e.code;
  }
  return undefined;
}

function asRawOrUndefined(value: unknown): RawError | undefined {
  return typeof value === 'object' && value !== null ? (value as RawError) : undefined;
}

export function endpointHost(ctx: Pick<ErrorContext, 'endpoint' | 'region'>): string {
  if (ctx.endpoint) {
    try {
      return new URL(ctx.endpoint).host;
    } catch {
      return ctx.endpoint;
    }
  }
  return `s3.${ctx.region}.amazonaws.com`;
}

/** The resource an IAM policy must allow: the full key, base path included. */
function arn(ctx: ErrorContext): string {
  return ctx.key === undefined ? `arn:aws:s3:::${ctx.bucket}` : `arn:aws:s3:::${ctx.bucket}/${ctx.basePath ?? ''}${ctx.key}`;
}

/** The facts whoever debugs this later needs; never a secret. */
function awsDetails(raw: RawError): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  const status = raw.$metadata?.httpStatusCode;
  // Only an answer from the service has an AWS error code; a Node error's name is just "Error".
  if (raw.name && (status !== undefined || raw.$fault !== undefined)) details.awsCode = raw.name;
  if (status) details.httpStatus = status;
  if (raw.$metadata?.requestId) details.requestId = raw.$metadata.requestId;
  const code = nodeCode(raw);
  if (code && status === undefined) details.errorCode = code;
  return details;
}

/**
 * What a `cause` keeps of an error, and nothing else: S3's answers echo the signed request
 * (SignatureDoesNotMatch repeats the canonical request and string to sign, session token
 * included), and the SDK's hidden `$response` holds more of it. A whitelist, so whatever a new SDK
 * version adds stays out too.
 */
const CAUSE_FIELDS: readonly string[] = ['name', 'message', 'stack', 'code', 'errno', 'syscall', '$fault'];
const METADATA_FIELDS: readonly string[] = ['httpStatusCode', 'requestId', 'extendedRequestId', 'attempts', 'totalRetryDelay'];
/** `scheme://user:password@`: credentials a URL error would otherwise repeat. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/**
 * The error as the `cause` a host may log: same class, with only the whitelisted fields (name,
 * message, stack, error codes, HTTP status, request id), its own cause likewise, and any
 * `user:password@` in a URL masked.
 */
function safeCause(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return typeof error === 'string' ? error.replace(URL_USERINFO, '$1***@') : error;
  // Ours, already safe; and a DOMException (an abort or timeout reason) carries only its name and message.
  if (error instanceof ConnectorError || error instanceof DOMException || depth > 4) return error;
  const source = error as Record<string, unknown>;
  const copy = Object.create(Object.getPrototypeOf(error) as object | null) as Record<string, unknown>;
  for (const key of CAUSE_FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(source, key) && !(key === 'stack' && typeof source.stack === 'string')) continue;
    const value = source[key];
    Object.defineProperty(copy, key, { value: typeof value === 'string' ? value.replace(URL_USERINFO, '$1***@') : value, writable: true, configurable: true, enumerable: key !== 'stack' && key !== 'message' });
  }
  const metadata = source.$metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object') {
    copy.$metadata = Object.fromEntries(METADATA_FIELDS.filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]]));
  }
  if (source.cause !== undefined) Object.defineProperty(copy, 'cause', { value: safeCause(source.cause, depth + 1), writable: true, configurable: true });
  return copy;
}

/** S3's RequestTime (`20250101T000000Z`) or ServerTime (ISO 8601) as epoch ms. */
function awsTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const time = basic ? Date.UTC(+basic[1]!, +basic[2]! - 1, +basic[3]!, +basic[4]!, +basic[5]!, +basic[6]!) : Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** "about 60 minutes ahead of" / "about 3 hours behind", from S3's own two timestamps. */
function skew(raw: RawError): { text: string; skewSeconds: number } | undefined {
  const requestTime = awsTime(raw.RequestTime);
  const serverTime = awsTime(raw.ServerTime);
  if (requestTime === undefined || serverTime === undefined) return undefined;
  const seconds = Math.round((requestTime - serverTime) / 1000);
  const minutes = Math.round(Math.abs(seconds) / 60);
  const amount = minutes >= 120 ? `about ${Math.round(minutes / 60)} hours` : `about ${minutes} minutes`;
  return { text: `${amount} ${seconds > 0 ? 'ahead of' : 'behind'}`, skewSeconds: seconds };
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The one mapping from AWS SDK and Node network errors to the contract's codes.
 * Messages are written for the person who has to fix it; the original error stays as `cause`.
 */
export function mapError(error: unknown, ctx: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const raw = asRaw(error);
  const make = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}, retryable?: boolean) =>
    new ConnectorError(code, message, {
      cause: safeCause(error),
      details: { ...awsDetails(raw), ...extra },
      ...(retryable === undefined ? {} : { retryable }),
    });

  if (ctx.signal?.aborted) {
    const reason = asRawOrUndefined(ctx.signal.reason);
    if (reason?.name === 'TimeoutError') {
      const limit = ctx.timeoutMs === undefined ? 'in time' : `within ${duration(ctx.timeoutMs)}`;
      return make(
        'Timeout',
        `No answer from ${endpointHost(ctx)} ${limit}. Check that the endpoint URL and port are right and that no firewall or VPN blocks it, then try again.`,
        ctx.timeoutMs === undefined ? {} : { timeoutMs: ctx.timeoutMs },
      );
    }
    return make('Aborted', 'The run was cancelled.');
  }

  const name = raw.name ?? '';
  const status = raw.$metadata?.httpStatusCode;
  const host = endpointHost(ctx);
  const bucket = `"${ctx.bucket}"`;
  const object = ctx.key === undefined ? `bucket ${bucket}` : `"${ctx.key}" in bucket ${bucket}`;

  if (name === 'AbortError') return make('Aborted', 'The run was cancelled.');

  switch (name) {
    case 'InvalidAccessKeyId':
      return make(
        'InvalidCredentials',
        `The access key ID${ctx.accessKeyId ? ` "${ctx.accessKeyId}"` : ''} is not known to ${host}. Check the connection's access key ID: the key may have been deleted or deactivated, or it belongs to another account or service.`,
      );
    case 'SignatureDoesNotMatch':
      return make(
        'InvalidCredentials',
        `The secret access key does not match the access key ID${ctx.accessKeyId ? ` "${ctx.accessKeyId}"` : ''}. Paste the secret again (watch for stray spaces), or create a new access key if it was lost.`,
      );
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return make('InvalidCredentials', 'The session token has expired. Get new temporary credentials and update the access key ID, secret and session token together.');
    case 'InvalidToken':
      return make('InvalidCredentials', 'The session token is not valid for these credentials. Paste the session token that came with this access key ID.');
    case 'RequestTimeTooSkewed':
    case 'RequestExpired': {
      const off = skew(raw);
      return make(
        'InvalidCredentials',
        `This machine's clock is ${off ? `${off.text} S3's clock` : "more than 15 minutes off S3's clock"}, and S3 refuses requests signed more than 15 minutes off. Synchronise this machine's clock (NTP), then try again.`,
        { reason: 'ClockSkew', ...(off ? { skewSeconds: off.skewSeconds } : {}) },
      );
    }
    case 'NoSuchBucket':
      return make(
        'BucketNotFound',
        `Bucket ${bucket} does not exist at ${host}. Check the connection's bucket name: it is the name only, exactly as in the S3 console.`,
      );
    case 'NoSuchKey':
      return make('NotFound', `No object ${object}. Check the key${ctx.key?.startsWith('/') ? '' : ' and the connection\'s base path'}.`);
    case 'NoSuchVersion':
      return make('NotFound', `No such version of ${object}. Check the version ID.`);
    case 'NoSuchUpload':
      return make('NotFound', `The multipart upload for ${object} no longer exists; start the upload again.`);
    case 'PreconditionFailed':
    case 'ConditionalRequestConflict':
      return make('Conflict', ctx.conflictMessage ?? `The condition on ${object} failed: it already exists or was changed meanwhile.`);
    case 'BadDigest':
    case 'XAmzContentChecksumMismatch':
      return make(
        'Network',
        `The upload of ${object} was corrupted on its way: ${host} computed another checksum than the one sent (${name}), and stored nothing. Run the step again.`,
      );
    case 'EntityTooLarge':
      return make('TooLarge', `S3 refused ${object} as too large for a single request.`);
    case 'InvalidObjectState':
      return make('Conflict', `${object} is archived (e.g. in Glacier) and must be restored before it can be read.`);
  }

  const bucketRegion = raw.$response?.headers?.['x-amz-bucket-region'] ?? raw.Region;
  if (
    name === 'PermanentRedirect' ||
    name === 'AuthorizationHeaderMalformed' ||
    name === 'IllegalLocationConstraintException' ||
    status === 301
  ) {
    if (bucketRegion && bucketRegion !== ctx.region) {
      return make(
        'WrongRegion',
        `Bucket ${bucket} is in ${bucketRegion}, not ${ctx.region}. Set the connection's region to ${bucketRegion}.`,
        { bucketRegion },
      );
    }
    return make('WrongRegion', `Bucket ${bucket} is not in ${ctx.region}. Set the connection's region to the one shown for the bucket in the S3 console.`);
  }

  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || name === 'Forbidden' || status === 403) {
    const action = ctx.iamAction ?? 'the needed permission';
    const scope = ctx.key === undefined && ctx.basePath ? ` for keys under "${ctx.basePath}"` : '';
    // A HEAD answer has no body, so a wrong secret and a missing permission look the same.
    const unexplained = name !== 'AccessDenied' && name !== 'AllAccessDisabled';
    return make(
      'AccessDenied',
      `Access denied: these credentials lack ${action} on ${arn(ctx)}${scope}. Add ${action} for that resource to the IAM policy of the user or role.${unexplained ? ' If Test connection fails too, check the access key ID and secret instead.' : ''}`,
      { ...(ctx.iamAction ? { iamAction: ctx.iamAction } : {}), resource: arn(ctx) },
    );
  }

  if (name === 'NotFound' || status === 404) {
    // A HEAD answer has no body, so a missing bucket and a missing key look the same.
    return ctx.key === undefined
      ? make('BucketNotFound', `Bucket ${bucket} does not exist at ${host}. Check the connection's bucket name.`)
      : make('NotFound', `No object ${object}. Check the key and the connection's base path (and, if Test connection fails too, the bucket name).`);
  }
  // 304 answers a GET whose If-None-Match still matches: the condition the caller set did not hold.
  if (status === 412 || status === 304) return make('Conflict', ctx.conflictMessage ?? `The condition on ${object} failed: it already exists or was changed meanwhile.`);
  if (THROTTLE_NAMES.has(name) || status === 429 || (status === 503 && name !== 'ServiceUnavailable')) {
    return make('Throttled', `${host} asked to slow down (${name || status}). Wait a moment and retry, or run fewer requests at once.`);
  }

  const code = nodeCode(raw);
  // @smithy/node-http-handler renames ECONNRESET and EPIPE errors TimeoutError (to have them
  // retried): a connection cut off is a network failure, not a wait that ran out.
  const cutOff = code === 'ECONNRESET' || code === 'EPIPE';
  if (!cutOff && (TIMEOUT_NAMES.has(name) || (code !== undefined && TIMEOUT_NAMES.has(code)))) {
    return make('Timeout', `No answer from ${host} in time. Check that the endpoint is reachable, or raise the connection's request timeout.`);
  }
  if (code !== undefined && TLS_CODE.test(code)) {
    return make(
      'Network',
      `The secure (TLS) connection to ${host} failed (${code}). Check that the endpoint's URL scheme and certificate are right: use https:// only where the service has a valid certificate.`,
      {},
      false, // a bad certificate or scheme does not heal by retrying
    );
  }
  if (code !== undefined && NETWORK_CODES.has(code)) {
    const why =
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the name ${host} cannot be resolved (${code}). Check the endpoint URL${ctx.endpoint ? '' : ' and the region'}.`
        : code === 'ECONNREFUSED'
          ? `the connection to ${host} was refused. Check the endpoint URL and port, and that the service is running.`
          : code === 'ECONNRESET' || code === 'EPIPE'
            ? `the connection to ${host} was cut off (${code}), so nothing was returned or written. Retry; if it keeps happening, check the network or proxy in between.`
            : `the connection to ${host} failed (${code}). Check the network, then retry.`;
    return make('Network', `Cannot reach S3: ${why}`);
  }

  // InternalError is S3's 500; it also comes without a status, per key, inside a DeleteObjects answer.
  if ((status !== undefined && status >= 500) || name === 'InternalError') {
    return make('ServerError', `${host} failed with ${status === undefined ? name : `HTTP ${status}${name ? ` (${name})` : ''}`}. This is on the service's side; retry later.`);
  }
  // Quoted only with any user:password@ of a URL masked.
  const said = (raw.message ?? name).replace(URL_USERINFO, '$1***@');
  if (status !== undefined && status >= 400) {
    return make('InvalidInput', `S3 rejected the request for ${object}: ${said}.`);
  }
  return make('ServerError', `Unexpected failure talking to ${host}: ${said}.`, {}, false);
}
