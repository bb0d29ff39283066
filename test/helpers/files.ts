/**
 * FileStore test doubles: the host contract's FileStore with real streams, so file mode is
 * exercised the way a host drives it. `memoryFiles()` for small files, `diskFiles()` (a temp
 * directory) for large ones, where memory use is what the test measures.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileRef, FileStore } from '../../src/contract.js';

type Data = NodeJS.ReadableStream | Uint8Array;

export interface TestFileStore extends FileStore {
  /** Every FileRef written so far, through `write` (the action) or `add` (the test). */
  readonly refs: FileRef[];
  /** Stores content as an earlier workflow step would, and returns its FileRef. */
  add(name: string, data: Data | AsyncIterable<Uint8Array>, contentType?: string): Promise<FileRef>;
  /** The stored bytes, for assertions. */
  bytes(ref: FileRef): Promise<Buffer>;
}

function toReadable(data: Data | AsyncIterable<Uint8Array>): Readable {
  if (data instanceof Uint8Array) return Readable.from([data]);
  if (data instanceof Readable) return data;
  if (Symbol.asyncIterator in data) return Readable.from(data as AsyncIterable<Uint8Array>);
  return new Readable().wrap(data);
}

function missing(ref: FileRef): Error {
  return Object.assign(new Error(`No file with id "${ref.id}" in this store`), { code: 'ENOENT' });
}

/** Files held in memory; `read` streams them back in `chunkBytes` chunks. */
export function memoryFiles(options: { chunkBytes?: number } = {}): TestFileStore {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const stored = new Map<string, Buffer>();
  const refs: FileRef[] = [];
  let next = 0;
  const store: TestFileStore = {
    refs,
    async write({ name, data, contentType }) {
      const chunks: Buffer[] = [];
      for await (const chunk of toReadable(data)) chunks.push(Buffer.from(chunk as Uint8Array));
      const bytes = Buffer.concat(chunks);
      const ref: FileRef = { id: `mem-${++next}`, name, size: bytes.length, ...(contentType ? { contentType } : {}) };
      stored.set(ref.id, bytes);
      refs.push(ref);
      return ref;
    },
    async read(ref) {
      const bytes = stored.get(ref.id);
      if (!bytes) throw missing(ref);
      return Readable.from(
        (function* () {
          for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
        })(),
      );
    },
    add: (name, data, contentType) => store.write({ name, data: toReadable(data), ...(contentType ? { contentType } : {}) }),
    async bytes(ref) {
      const bytes = stored.get(ref.id);
      if (!bytes) throw missing(ref);
      return bytes;
    },
  };
  return store;
}

export interface DiskFileStore extends TestFileStore {
  readonly directory: string;
  path(ref: FileRef): string;
  /** SHA-256 of a stored file, read as a stream (large files never enter memory). */
  sha256(ref: FileRef): Promise<string>;
  /** Removes the directory and everything in it. */
  close(): Promise<void>;
}

/** Files on disk in a fresh temp directory: constant memory at any size. */
export async function diskFiles(): Promise<DiskFileStore> {
  const directory = await mkdtemp(join(tmpdir(), 's3-connector-files-'));
  const refs: FileRef[] = [];
  let next = 0;
  const pathOf = (ref: FileRef) => join(directory, ref.id.replace(/[^\w.-]/g, '_'));
  const store: DiskFileStore = {
    directory,
    refs,
    async write({ name, data, contentType }) {
      const ref: FileRef = { id: `disk-${++next}`, name, ...(contentType ? { contentType } : {}) };
      await pipeline(toReadable(data), createWriteStream(pathOf(ref)));
      ref.size = (await stat(pathOf(ref))).size;
      refs.push(ref);
      return ref;
    },
    async read(ref) {
      try {
        await stat(pathOf(ref));
      } catch {
        throw missing(ref);
      }
      return createReadStream(pathOf(ref));
    },
    add: (name, data, contentType) => store.write({ name, data: toReadable(data), ...(contentType ? { contentType } : {}) }),
    bytes: (ref) => readFile(pathOf(ref)),
    path: pathOf,
    async sha256(ref) {
      const hash = createHash('sha256');
      await pipeline(createReadStream(pathOf(ref)), hash);
      return hash.digest('hex');
    },
    close: () => rm(directory, { recursive: true, force: true }),
  };
  return store;
}

export interface GeneratedStream {
  stream: Readable;
  /** SHA-256 of everything generated so far: the whole content once the stream has ended. */
  sha256(): string;
}

/**
 * `totalBytes` of random-looking content generated on the fly (never held whole in memory):
 * each 1 MiB chunk is one random block stamped with its index, so a reordered or repeated part
 * changes the digest.
 */
export function generatedStream(totalBytes: number, chunkBytes = 1024 * 1024): GeneratedStream {
  const block = randomBytes(chunkBytes);
  const hash = createHash('sha256');
  let digest: string | undefined;
  async function* chunks() {
    for (let at = 0, index = 0; at < totalBytes; at += chunkBytes, index++) {
      const chunk = Buffer.from(block.subarray(0, Math.min(chunkBytes, totalBytes - at)));
      if (chunk.length >= 4) chunk.writeUInt32BE(index, 0);
      hash.update(chunk);
      yield chunk;
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  return {
    stream,
    sha256() {
      digest ??= hash.digest('hex');
      return digest;
    },
  };
}
