/**
 * The shared client as one lib-storage upload sees it:
 * - every request carries the run's signal, so parts in flight stop at once on cancel (lib-storage
 *   alone lets them finish), except creating and aborting the upload, so a cancelled upload always
 *   learns its ID and can be aborted;
 * - once a part has failed for good, the other parts stop too (lib-storage would go on sending every
 *   remaining part of a failed upload), and the first failure stays the one reported;
 * - the multipart upload's ID is kept, so the caller can abort it (multipart-abort.ts).
 */
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AbortScope } from './signal.js';

/** Requests that must finish even after a cancel: without them an upload could not be aborted. */
const CLEANUP_COMMANDS: ReadonlySet<unknown> = new Set([CreateMultipartUploadCommand, AbortMultipartUploadCommand]);

export interface UploadClient {
  readonly client: S3Client;
  /** The multipart upload's ID, once created. */
  readonly uploadId: string | undefined;
}

/** `abort` is the run's scope: each request takes a child of it, so the host's signal keeps one listener per run. */
export function uploadClient(client: S3Client, abort: AbortScope): UploadClient {
  const failed = new AbortController();
  let uploadId: string | undefined;
  const view = Object.create(client) as S3Client;
  const send = async (command: Parameters<S3Client['send']>[0], options?: { abortSignal?: AbortSignal }) => {
    const cleanup = CLEANUP_COMMANDS.has(command.constructor);
    const request = cleanup ? undefined : abort.child();
    const stops = [failed.signal, ...(request?.signal ? [request.signal] : []), ...(options?.abortSignal ? [options.abortSignal] : [])];
    const abortSignal = cleanup ? options?.abortSignal : AbortSignal.any(stops);
    try {
      const answer = (await client.send(command, { ...options, ...(abortSignal ? { abortSignal } : {}) })) as { UploadId?: string };
      if (command instanceof CreateMultipartUploadCommand) uploadId = answer.UploadId;
      return answer;
    } catch (error) {
      if (command instanceof UploadPartCommand && !failed.signal.aborted) failed.abort(error);
      throw error;
    } finally {
      request?.dispose();
    }
  };
  view.send = send as S3Client['send'];
  return {
    client: view,
    get uploadId() {
      return uploadId;
    },
  };
}
