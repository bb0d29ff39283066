/**
 * A FileStore over Buffers, for hosts whose binary data is a Buffer in the step's data (Activepieces 0.32,
 * Node-RED messages). Each file is held whole, so each is bounded: a larger one fails with TooLarge naming
 * the limit, as soon as the stream passes it, instead of growing the host's memory without end.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { formatBytes } from '../../bytes.js';
import type { FileRef, FileStore } from '../../contract.js';
import type { Hooks } from './contract.js';

export interface BufferFile {
  ref: FileRef;
  data: Buffer;
}

export class BufferFiles implements FileStore {
  /** Every file this run wrote or was given, by FileRef id. */
  readonly files = new Map<string, BufferFile>();

  /**
   * The TooLarge this store raised, if it did. The connector reports a failing host store as the store's
   * failure (ServerError, our message inside); the adapter throws this instead, since the limit is its own.
   */
  refused: Error | undefined;

  constructor(
    private readonly limitBytes: number,
    readonly ConnectorError: Hooks['ConnectorError'],
    /** What the host calls the limit, and how to raise it, for the TooLarge message. */
    private readonly limitName: string,
  ) {}

  /** Registers bytes the host passed in, e.g. a file property's Buffer, and returns their FileRef. */
  add(name: string, data: Buffer, contentType?: string): FileRef {
    this.check(data.length, name);
    const ref: FileRef = { id: randomUUID(), name, size: data.length, ...(contentType ? { contentType } : {}) };
    this.files.set(ref.id, { ref, data });
    return ref;
  }

  async write(file: { name: string; data: NodeJS.ReadableStream | Uint8Array; contentType?: string }): Promise<FileRef> {
    const data = file.data instanceof Uint8Array ? Buffer.from(file.data) : await this.collect(file.data, file.name);
    return this.add(file.name, data, file.contentType);
  }

  async read(ref: FileRef): Promise<NodeJS.ReadableStream> {
    const file = this.files.get(ref.id);
    if (!file) throw new this.ConnectorError('InvalidInput', `The file "${ref.name}" is not in this step's data: give the file itself, not a reference from another run.`, { field: '/file' });
    return Readable.from([file.data]);
  }

  private check(size: number, name: string): void {
    if (size > this.limitBytes) {
      throw (this.refused = new this.ConnectorError(
        'TooLarge',
        `"${name}" is larger than ${formatBytes(this.limitBytes)}, the most this host's binary data holds in memory (${this.limitName}). Write it to S3 with a key instead, or raise the limit.`,
      ));
    }
  }

  private async collect(stream: NodeJS.ReadableStream, name: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      size += bytes.length;
      // Checked while reading: the stream stops at the limit, not after the whole object arrived.
      this.check(size, name);
      chunks.push(bytes);
    }
    return Buffer.concat(chunks, size);
  }
}
