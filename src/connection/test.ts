import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TestContext, TestResult } from '../contract.js';
import { isConnectorError } from '../errors.js';
import { endpointHost, mapError } from '../map-error.js';
import { leaseClient } from './client.js';
import { minimalPolicy } from './policy.js';
import { resolveConnection } from './resolve.js';
import { abortable, withDeadline } from '../signal.js';

/** The contract's bound on Test connection, whatever the endpoint does. */
export const TEST_TIMEOUT_MS = 15_000;

/**
 * Least-privilege probe: one ListObjectsV2 of at most one key under the base path. It needs only
 * s3:ListBucket on this bucket (even when that is limited to the prefix), never ListAllMyBuckets,
 * which single-bucket IAM users do not have. Expected failures are results, not throws.
 */
export async function testConnection(raw: unknown, ctx: TestContext = {}, timeoutMs = TEST_TIMEOUT_MS): Promise<TestResult> {
  let resolved;
  try {
    resolved = resolveConnection(raw);
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    return { ok: false, code: error.code, message: error.message, details: { ...error.details, field: error.field } };
  }
  const { connection, settings, keys, errorContext } = resolved;
  const signal = withDeadline(ctx.signal, timeoutMs);
  const lease = leaseClient(settings);
  const where = {
    bucket: connection.bucket,
    region: connection.region,
    endpoint: endpointHost(connection),
    basePath: keys.base,
  };
  try {
    const page = await abortable(
      lease.client.send(
        new ListObjectsV2Command({ Bucket: connection.bucket, MaxKeys: 1, ...(keys.base ? { Prefix: keys.base } : {}) }),
        { abortSignal: signal },
      ),
      signal,
    );
    ctx.logger?.debug('Test connection succeeded', where);
    const scope = keys.base ? ` under "${keys.base}"` : '';
    return {
      ok: true,
      message: `Connected to bucket "${connection.bucket}" (${connection.region}) at ${where.endpoint}: the credentials are valid and can list objects${scope}.`,
      details: { ...where, verified: ['credentials', 'bucket', 'region', 's3:ListBucket'], empty: (page.KeyCount ?? 0) === 0 },
    };
  } catch (error) {
    // When the host's own signal fired, our time limit is not what stopped the probe.
    const limit = ctx.signal?.aborted ? undefined : timeoutMs;
    const mapped = mapError(error, { ...errorContext, iamAction: 's3:ListBucket', signal, timeoutMs: limit });
    ctx.logger?.debug('Test connection failed', { code: mapped.code, ...where });
    // The result has no `retryable` of its own: a host reads it here to offer "try again".
    const details: Record<string, unknown> = { ...where, ...mapped.details, retryable: mapped.retryable, ...(mapped.field ? { field: mapped.field } : {}) };
    if (mapped.code === 'AccessDenied') details.policy = minimalPolicy(connection.bucket, keys.base);
    return { ok: false, code: mapped.code, message: mapped.message, details };
  } finally {
    lease.release();
  }
}
