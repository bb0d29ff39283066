import { Readable } from 'node:stream';
import inputSchema from '../../schemas/actions/put.input.json';
import { defineAction, type RunContext } from '../action.js';
import { charsetOf, contentTypeForKey, withUtf8 } from '../content-type.js';
import { ConnectorError, invalidInput } from '../errors.js';
import type { PutInput } from '../generated/actions/put.input.js';
import type { PutOutput } from '../generated/actions/put.output.js';
import { decodeBase64 } from '../inline.js';
import { metadataForUpload } from '../metadata.js';
import { DEFAULT_CONTENT_TYPE } from '../object-info.js';
import { taggingHeader } from '../tags.js';
import { upload, type UploadOptions } from '../transfer.js';
import { validator } from '../validate.js';

type FileRef = NonNullable<PutInput['file']>;

/** The content in memory, or a FileRef still to be opened (only once everything else is checked). */
type Source = { bytes: Uint8Array; text: boolean } | { file: FileRef };

function sourceOf(input: PutInput): Source {
  if (input.text !== undefined) return { bytes: Buffer.from(input.text, 'utf8'), text: true };
  if (input.json !== undefined) return { bytes: Buffer.from(JSON.stringify(input.json), 'utf8'), text: true };
  if (input.base64 !== undefined) return { bytes: decodeBase64(input.base64, '/base64'), text: false };
  return { file: input.file! };
}

/** Explicit, else from the key's extension, else the file's own, else by kind of content. */
function contentTypeOf(input: PutInput, source: Source): string {
  const fileType = 'file' in source ? source.file.contentType : undefined;
  const chosen =
    input.contentType ??
    contentTypeForKey(input.key) ??
    (fileType && fileType !== DEFAULT_CONTENT_TYPE ? fileType : undefined) ??
    (input.json !== undefined ? 'application/json' : input.text !== undefined ? 'text/plain' : DEFAULT_CONTENT_TYPE);
  if (!('text' in source) || !source.text) return chosen;
  const charset = charsetOf(chosen);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw invalidInput(
      '/contentType',
      `Expected charset=utf-8 (or none) in \`contentType\` for \`${input.text !== undefined ? 'text' : 'json'}\`, which is written as UTF-8, but received "${charset}". To store text in another encoding, pass its bytes as \`base64\`.`,
    );
  }
  return withUtf8(chosen);
}

/** Opens the FileRef as a stream; a ref the store does not know is the input's fault. */
async function openFile(ctx: RunContext, file: FileRef): Promise<Readable> {
  const files = ctx.files('/file');
  let stream: NodeJS.ReadableStream;
  try {
    stream = await files.read(file);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectorError('InvalidInput', `The host's file store could not open \`file\` "${file.name}" (id ${file.id}): ${reason}. Pass a file from an earlier step of this run.`, {
      field: '/file',
      cause,
    });
  }
  return stream instanceof Readable ? stream : new Readable().wrap(stream);
}

export const put = defineAction({
  input: validator<PutInput>(inputSchema),
  async run(input, ctx): Promise<PutOutput> {
    const { key } = input;
    // Every rule is checked before the file is opened or S3 is called.
    ctx.keys.resolve(key);
    const source = sourceOf(input);
    if ('file' in source) ctx.files('/file');
    const contentType = contentTypeOf(input, source);
    const metadata = metadataForUpload(input.metadata as Record<string, string> | undefined);
    const tagging = taggingHeader(input.tags as Record<string, string> | undefined);
    const options: UploadOptions = {
      ContentType: contentType,
      ...(metadata ? { Metadata: metadata } : {}),
      ...(input.cacheControl ? { CacheControl: input.cacheControl } : {}),
      ...(input.contentDisposition ? { ContentDisposition: input.contentDisposition } : {}),
      ...(input.contentEncoding ? { ContentEncoding: input.contentEncoding } : {}),
      // STANDARD is every bucket's default: not sending it keeps services without storage classes happy.
      ...(input.storageClass && input.storageClass !== 'STANDARD' ? { StorageClass: input.storageClass } : {}),
      ...(input.serverSideEncryption ? { ServerSideEncryption: input.serverSideEncryption } : {}),
      ...(input.kmsKeyId ? { SSEKMSKeyId: input.kmsKeyId } : {}),
      ...(tagging ? { Tagging: tagging } : {}),
      ...(input.ifNotExists ? { IfNoneMatch: '*' } : {}),
    };
    const body = 'file' in source ? await openFile(ctx, source.file) : source.bytes;
    const result = await upload(ctx, key, body, options, {
      conflictMessage: `Object "${key}" already exists, and \`ifNotExists\` refused to replace it. Choose another key, or turn \`ifNotExists\` off to overwrite it.`,
      ...('file' in source ? { source: `the file \`file\` "${source.file.name}"`, ...(source.file.size === undefined ? {} : { expectedBytes: source.file.size }) } : {}),
    });
    return { key, etag: result.etag, size: result.size, contentType, ...(result.versionId ? { versionId: result.versionId } : {}) };
  },
});
