/**
 * Aborting a failed multipart upload, which must not fail quietly: S3 keeps (and bills) the parts
 * of an upload that is never aborted. The abort is retried with backoff, outside the run's signal
 * (a cancelled run must still clean up). The error the user sees stays the one that failed the
 * upload; an abort that still failed is named in its details, with the upload's ID, so "Clean up
 * incomplete uploads" or a lifecycle rule can finish the job.
 */
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import type { RunContext } from './action.js';
import { ConnectorError } from './errors.js';

/** Tries of AbortMultipartUpload, each with the SDK's own retries inside. */
export const ABORT_ATTEMPTS = 3;
/** The wait before each retry: the failure that killed the upload often needs a moment to pass. */
export const ABORT_BACKOFF_MS: readonly number[] = [250, 1_000];

export interface AbortRequest {
  /** The key as the user gave it. */
  key: string;
  fullKey: string;
  uploadId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Aborts the upload; resolves with the last try's error when every try failed, else undefined.
 * `quiet`: the caller reports the failure itself (no warning logged).
 */
export async function abortMultipartUpload(ctx: RunContext, request: AbortRequest, { quiet = false } = {}): Promise<ConnectorError | undefined> {
  let last: ConnectorError | undefined;
  for (let attempt = 1; attempt <= ABORT_ATTEMPTS; attempt++) {
    try {
      await ctx.s3.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: request.fullKey, UploadId: request.uploadId }));
      return undefined;
    } catch (error) {
      last = ctx.fail(error, { key: request.key, iamAction: 's3:AbortMultipartUpload' });
      // Already gone: an earlier try did abort it, and only its answer was lost.
      if (last.details?.awsCode === 'NoSuchUpload') return undefined;
      if (!last.retryable || attempt === ABORT_ATTEMPTS) break;
      await sleep(ABORT_BACKOFF_MS[attempt - 1] ?? ABORT_BACKOFF_MS.at(-1)!);
    }
  }
  if (!quiet) {
    ctx.logger?.warn('Could not abort a failed multipart upload; its parts stay until "Clean up incomplete uploads" or a lifecycle rule removes them.', {
      key: request.key,
      uploadId: request.uploadId,
      code: last?.code,
    });
  }
  return last;
}

/** The upload's own error, unchanged but for the upload it left behind, named in its details. */
export function withIncompleteUpload(error: ConnectorError, request: AbortRequest, abortError: ConnectorError): ConnectorError {
  return new ConnectorError(
    error.code,
    `${error.message} Its unfinished multipart upload could not be removed either; run "Clean up incomplete uploads" later to remove it.`,
    {
      retryable: error.retryable,
      ...(error.field === undefined ? {} : { field: error.field }),
      cause: error.cause,
      details: {
        ...error.details,
        incompleteUpload: { key: request.key, uploadId: request.uploadId, abortError: abortError.details?.awsCode ?? abortError.details?.errorCode ?? abortError.code, attempts: ABORT_ATTEMPTS },
      },
    },
  );
}

/** Aborts the upload if there is one, and gives back the error to throw for the failure that ended it. */
export async function failedMultipart(ctx: RunContext, failure: ConnectorError, request: Omit<AbortRequest, 'uploadId'> & { uploadId: string | undefined }): Promise<ConnectorError> {
  if (request.uploadId === undefined) return failure;
  const aborting = { ...request, uploadId: request.uploadId };
  const abortError = await abortMultipartUpload(ctx, aborting);
  return abortError ? withIncompleteUpload(failure, aborting, abortError) : failure;
}
