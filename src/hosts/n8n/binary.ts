/**
 * n8n's binary data as the contract's FileStore, streaming both ways: files the connector writes go to
 * `prepareBinaryData(stream)` (n8n's filesystem or S3 binary mode streams them to storage), and files it
 * reads come from `getBinaryStream(id)`. Only binary data n8n keeps inline (its "default" memory mode)
 * is read from the buffer, since it is a buffer already.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import type { FileRef, FileStore } from '../../contract.js';

export class N8nBinaryFiles implements FileStore {
  /** Binary data by FileRef id: what the item brought in and what the action produced. */
  private readonly binaries = new Map<string, IBinaryData>();

  constructor(
    private readonly fn: IExecuteFunctions,
    private readonly itemIndex: number,
  ) {}

  /** The item's binary field `property` (or binary data given by an expression), as a FileRef. */
  input(property: string | IBinaryData): FileRef {
    const binary = this.fn.helpers.assertBinaryData(this.itemIndex, property);
    return this.remember(binary);
  }

  async write(file: { name: string; data: NodeJS.ReadableStream | Uint8Array; contentType?: string }): Promise<FileRef> {
    const data = file.data instanceof Uint8Array ? Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength) : toReadable(file.data);
    const binary = await this.fn.helpers.prepareBinaryData(data, file.name, file.contentType);
    return this.remember(binary);
  }

  async read(ref: FileRef): Promise<NodeJS.ReadableStream> {
    const binary = this.binaries.get(ref.id);
    if (!binary) throw new Error(`The file "${ref.name}" is not binary data of this item.`);
    if (binary.id) return this.fn.helpers.getBinaryStream(binary.id);
    return Readable.from([await this.fn.helpers.getBinaryDataBuffer(this.itemIndex, binary)]);
  }

  /** The n8n binary data behind a FileRef this store made. */
  binaryOf(ref: FileRef): IBinaryData | undefined {
    return this.binaries.get(ref.id);
  }

  private remember(binary: IBinaryData): FileRef {
    const id = binary.id ?? `inline:${randomUUID()}`;
    this.binaries.set(id, binary);
    const name = binary.fileName ?? 'data';
    return { id, name, ...(binary.bytes === undefined ? {} : { size: binary.bytes }), ...(binary.mimeType ? { contentType: binary.mimeType } : {}) };
  }
}

function toReadable(stream: NodeJS.ReadableStream): Readable {
  return stream instanceof Readable ? stream : new Readable().wrap(stream);
}
