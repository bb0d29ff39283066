/**
 * Activepieces' files as the contract's FileStore. In 0.32 a file property arrives as an ApFile holding a
 * Buffer, and `files.write({ fileName, data: Buffer })` returns the file's URL: both whole in memory, so
 * files are bounded (BufferFiles) and a larger one fails with TooLarge naming the limit. A files service
 * that declares `supportsStreams: true` gets the stream itself, unbounded.
 */
import { Readable } from 'node:stream';
import type { ApFile, FilesService } from '@activepieces/pieces-framework';
import type { FileRef } from '../../contract.js';
import { BufferFiles } from '../shared/buffer-files.js';
import type { Hooks } from '../shared/contract.js';

const MiB = 1024 * 1024;
/** Our default when the engine does not say its own limit (AP_MAX_FILE_SIZE_MB): files are held whole. */
export const DEFAULT_MAX_FILE_BYTES = 25 * MiB;

/** The engine's own file size limit when it sets one in its environment, else ours. */
export function maxFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.AP_MAX_FILE_SIZE_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * MiB : DEFAULT_MAX_FILE_BYTES;
}

/** A files service whose `write` takes a stream as `data`, announced by the service itself. */
interface StreamingFilesService {
  supportsStreams: true;
  write(file: { fileName: string; data: Buffer | NodeJS.ReadableStream }): Promise<string>;
}

export function isStreamCapable(files: FilesService): files is FilesService & StreamingFilesService {
  return (files as Partial<StreamingFilesService>).supportsStreams === true;
}

export class ActivepiecesFiles extends BufferFiles {
  constructor(
    private readonly host: FilesService,
    ConnectorError: Hooks['ConnectorError'],
    limitBytes = maxFileBytes(),
  ) {
    super(limitBytes, ConnectorError, 'set AP_MAX_FILE_SIZE_MB on the engine to change it');
  }

  /** A file property's value as a FileRef the connector reads. */
  input(file: ApFile): FileRef {
    return this.add(file.filename, file.data);
  }

  /** Files go to the engine's file service; the FileRef's id is the URL it answers, as later steps use it. */
  override async write(file: { name: string; data: NodeJS.ReadableStream | Uint8Array; contentType?: string }): Promise<FileRef> {
    const type = file.contentType ? { contentType: file.contentType } : {};
    if (isStreamCapable(this.host) && !(file.data instanceof Uint8Array)) {
      const url = await this.host.write({ fileName: file.name, data: file.data instanceof Readable ? file.data : new Readable().wrap(file.data) });
      return { id: url, name: file.name, url, ...type };
    }
    const ref = await super.write(file);
    const data = this.files.get(ref.id)!.data;
    this.files.delete(ref.id);
    const url = await this.host.write({ fileName: file.name, data });
    return { ...ref, id: url, url };
  }
}
