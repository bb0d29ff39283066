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
import { lookup } from 'mime-types';
import type { FileRef, FileStore } from './connector.js';
import { HostError } from './errors.js';

/** An id the store made: a UUID and the name's extension (so previews keep a type), nothing else. */
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?$/;

const OCTET_STREAM = 'application/octet-stream';

function extensionOf(name: string): string {
  const ext = path.extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

export interface LocalFileStoreOptions {
  /** Appended to the error for an id the store did not make: how this host takes files in, e.g. the CLI's --file. */
  unknownIdHint?: string;
}

export class LocalFileStore implements FileStore {
  readonly dir: string;
  readonly #hint: string | undefined;
  /** Local files handed in by the user (adopt), by the id of their FileRef: read in place, never copied. */
  readonly #adopted = new Map<string, string>();

  constructor(dir: string, options: LocalFileStoreOptions = {}) {
    this.dir = path.resolve(dir);
    this.#hint = options.unknownIdHint;
  }

  /**
   * A FileRef for a file already on this machine (the CLI's `--file`), read where it is: a large file
   * is not copied first. Known to this store instance only, so it lives as long as the command.
   */
  async adopt(file: string): Promise<FileRef> {
    const absolute = path.resolve(file);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      throw new HostError('Usage', `Cannot read the file ${absolute}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (error as Error).message}.`, { cause: error });
    }
    if (!info.isFile()) throw new HostError('Usage', `${absolute} is not a file.`);
    const name = path.basename(absolute);
    const id = `${randomUUID()}${extensionOf(name)}`;
    this.#adopted.set(id, absolute);
    return { id, name, size: info.size, contentType: lookup(name) || OCTET_STREAM };
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
    const adopted = typeof ref.id === 'string' ? this.#adopted.get(ref.id) : undefined;
    if (adopted) return adopted;
    if (typeof ref.id !== 'string' || !FILE_ID.test(ref.id)) {
      throw new HostError('InvalidInput', `"${String(ref.id)}" is not the id of a file in this host's file store.${this.#hint ? ` ${this.#hint}` : ''}`, { field: '/id' });
    }
    return path.join(this.dir, ref.id);
  }
}

/** A FileRef, as the contract shapes it: plain JSON with at least an id and a name. */
function isFileRef(value: unknown): value is FileRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const ref = value as Record<string, unknown>;
  return (
    typeof ref.id === 'string' &&
    typeof ref.name === 'string' &&
    (ref.size === undefined || typeof ref.size === 'number') &&
    (ref.contentType === undefined || typeof ref.contentType === 'string')
  );
}

/** Every FileRef inside an action's output, wherever the output schema puts it: the objects themselves. */
export function fileRefsIn(value: unknown, found: FileRef[] = []): FileRef[] {
  if (isFileRef(value)) found.push(value);
  else if (Array.isArray(value)) for (const item of value) fileRefsIn(item, found);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) fileRefsIn(item, found);
  return found;
}
