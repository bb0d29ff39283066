/**
 * The host's FileStore (host contract v1, section 3): binary data passed between workflow steps,
 * kept in a local folder. Data is streamed to disk, never buffered whole.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileRef, FileStore } from './connector.js';
import { HostError } from './errors.js';

/** An id the store made: a UUID and the name's extension (so previews keep a type), nothing else. */
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?$/;

const OCTET_STREAM = 'application/octet-stream';

function extensionOf(name: string): string {
  const ext = path.extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

export class LocalFileStore implements FileStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  async write(file: { name: string; data: NodeJS.ReadableStream | Uint8Array; contentType?: string }): Promise<FileRef> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const id = `${randomUUID()}${extensionOf(file.name)}`;
    const target = path.join(this.dir, id);
    // Written under a temporary name and renamed when complete: a failed or cancelled stream leaves nothing.
    const partial = `${target}.partial`;
    try {
      const source = file.data instanceof Uint8Array ? Readable.from([file.data]) : file.data;
      await pipeline(source, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    const { size } = await stat(target);
    return { id, name: file.name, size, contentType: file.contentType ?? OCTET_STREAM };
  }

  async read(ref: FileRef): Promise<NodeJS.ReadableStream> {
    const file = this.pathOf(ref);
    try {
      await stat(file);
    } catch (error) {
      throw new HostError('NotFound', `The file "${ref.name}" (id ${ref.id}) is no longer in the host's file store ${this.dir}. Run the step that produced it again.`, { cause: error });
    }
    return createReadStream(file);
  }

  /** The file on disk, for previews. Refuses any id the store did not make, so no id can escape the folder. */
  pathOf(ref: Pick<FileRef, 'id'>): string {
    if (typeof ref.id !== 'string' || !FILE_ID.test(ref.id)) {
      throw new HostError('InvalidInput', `"${String(ref.id)}" is not the id of a file in this host's file store.`, { field: '/id' });
    }
    return path.join(this.dir, ref.id);
  }
}
