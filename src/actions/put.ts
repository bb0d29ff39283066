import { Readable } from 'node:stream';
import inputSchema from '../../schemas/actions/put.input.json';
import { defineAction, type RunContext } from '../action.js';
import { charsetOf, contentTypeForKey, mediaType, withUtf8 } from '../content-type.js';
import { ConnectorError, invalidInput } from '../errors.js';
import type { PutInput } from '../generated/actions/put.input.js';
import type { PutOutput } from '../generated/actions/put.output.js';
import { decodeBase64 } from '../inline.js';
import { SHA256_METADATA, sha256Hex, sha256OfStream } from '../integrity.js';
import { metadataForUpload } from '../metadata.js';
import { DEFAULT_CONTENT_TYPE } from '../object-info.js';
import { taggingHeader } from '../tags.js';
import { PART_BYTES, readAll, upload, type UploadOptions } from '../transfer.js';
import { childPointer, validator } from '../validate.js';

type FileRef = NonNullable<PutInput['file']>;

/** The content in memory, or a FileRef still to be opened (only once everything else is checked). */
type Source = { bytes: Uint8Array; text: boolean } | { file: FileRef };

function sourceOf(input: PutInput): Source {
  if (input.text !== undefined) return { bytes: Buffer.from(input.text, 'utf8'), text: true };
  if (input.json !== undefined) return { bytes: Buffer.from(JSON.stringify(input.json), 'utf8'), text: true };
  if (input.base64 !== undefined) return { bytes: decodeBase64(input.base64, '/base64'), text: false };
  return { file: input.file! };
}

/**
 * The key's type, unless the file's own says more: the key has no extension, or one that only
 * means application/octet-stream (`.bin`), or one of the same media type as the file's, whose
 * parameters (a charset) the file's keeps. A key whose extension names another type wins: the
 * key is what browsers and CDNs see.
 */
function keyOrFileType(key: string, file: FileRef | undefined): string | undefined {
  const fromKey = contentTypeForKey(key);
  const fromFile = file?.contentType && mediaType(file.contentType) !== DEFAULT_CONTENT_TYPE ? file.contentType : undefined;
  if (fromFile === undefined) return fromKey;
  if (fromKey === undefined || fromKey === DEFAULT_CONTENT_TYPE || mediaType(fromKey) === mediaType(fromFile)) return fromFile;
  return fromKey;
}

/** Explicit, else from the key's extension or the file's own (keyOrFileType), else by kind of content. */
function contentTypeOf(input: PutInput, source: Source): string {
  const chosen =
    input.contentType ??
    keyOrFileType(input.key, 'file' in source ? source.file : undefined) ??
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
    // The host's own words may end a sentence already, or say what to do in that host.
    const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/[.\s]+$/, '');
    throw new ConnectorError('InvalidInput', `The host's file store could not open \`file\` "${file.name}" (id ${file.id}): ${reason}. Pass a file the host's file store holds, such as the \`file\` that \`get\` returns with \`as\` "file".`, {
      field: '/file',
      cause,
    });
  }
  return stream instanceof Readable ? stream : new Readable().wrap(stream);
}

/**
 * The body with its SHA-256, known before the upload starts (metadata travels with the first
 * request). A file that fits one part is read into memory and sent from there; a larger one is
 * hashed on a first read and opened again to upload.
 */
async function hashed(ctx: RunContext, source: Source, body: Readable | Uint8Array): Promise<{ body: Readable | Uint8Array; sha256: string }> {
  if (body instanceof Uint8Array) return { body, sha256: sha256Hex(body) };
  const file = 'file' in source ? source.file : undefined;
  if (file?.size !== undefined && file.size <= PART_BYTES) {
    const bytes = await readAll(body, PART_BYTES, () => new ConnectorError('InvalidInput', `The file \`file\` "${file.name}" is larger than its stated size of ${file.size} bytes.`, { field: '/file' }));
    return { body: bytes, sha256: sha256Hex(bytes) };
  }
  const sha256 = await sha256OfStream(body);
  return { body: await openFile(ctx, file!), sha256 };
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
    if (input.storeHash && metadata?.[SHA256_METADATA] !== undefined) {
      throw invalidInput(childPointer('/metadata', SHA256_METADATA), `\`metadata.${SHA256_METADATA}\` is where \`storeHash\` records the content's SHA-256: remove it, and \`storeHash\` writes the right one.`);
    }
    let body: Readable | Uint8Array = 'file' in source ? await openFile(ctx, source.file) : source.bytes;
    let sha256: string | undefined;
    if (input.storeHash) {
      ({ body, sha256 } = await hashed(ctx, source, body));
      options.Metadata = { ...options.Metadata, [SHA256_METADATA]: sha256 };
    }
    const result = await upload(ctx, key, body, options, {
      conflictMessage: `Object "${key}" already exists, and \`ifNotExists\` refused to replace it. Choose another key, or turn \`ifNotExists\` off to overwrite it.`,
      ...('file' in source ? { source: `the file \`file\` "${source.file.name}"`, ...(source.file.size === undefined ? {} : { expectedBytes: source.file.size }) } : {}),
    });
    return { key, etag: result.etag, size: result.size, contentType, ...(result.versionId ? { versionId: result.versionId } : {}), ...(sha256 ? { sha256 } : {}) };
  },
});
