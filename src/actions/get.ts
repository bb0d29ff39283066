import { pipeline } from 'node:stream';
import inputSchema from '../../schemas/actions/get.input.json';
import { defineAction, type RunContext } from '../action.js';
import { formatBytes } from '../bytes.js';
import { charsetOf } from '../content-type.js';
import { ConnectorError } from '../errors.js';
import type { GetInput } from '../generated/actions/get.input.js';
import type { GetOutput } from '../generated/actions/get.output.js';
import { decodeText, MAX_INLINE_BYTES, parseJson } from '../inline.js';
import { quoteEtag } from '../object-info.js';
import { byteCounter, download, readAll, type OpenedObject } from '../transfer.js';
import { validator } from '../validate.js';

/** The schema's default is applied by validation. */
type Input = GetInput & Required<Pick<GetInput, 'as' | 'verify'>>;

function tooLarge(key: string, mode: string, bytes: number): ConnectorError {
  return new ConnectorError(
    'TooLarge',
    `Object "${key}" is ${formatBytes(bytes)}, over the ${formatBytes(MAX_INLINE_BYTES)} limit for \`as\` "${mode}" (inline content travels in the workflow's data). Use \`as\` "file" to stream it into a file, or \`range\` to read a part.`,
    { field: '/as', details: { limitBytes: MAX_INLINE_BYTES, bytes } },
  );
}

/** The file's name in the host's store: the key's last segment. */
function fileName(key: string): string {
  return key.split('/').filter(Boolean).pop() ?? 'object';
}

/** Streams the body into the host's file store, at any size and in constant memory. */
async function toFile(ctx: RunContext, key: string, opened: OpenedObject): Promise<GetOutput['file']> {
  const files = ctx.files('/as');
  const { body, info } = opened;
  let bodyError: unknown;
  body.once('error', (error: unknown) => {
    bodyError ??= error;
  });
  const { progress } = ctx;
  // S3 always sends the length; a service that streams without one gets no `total`.
  const total = info.size > 0 ? { total: info.size } : {};
  // Counted only when someone listens (a pass-through per chunk is not free on large downloads);
  // pipeline, not pipe, so a failing body fails the store's write instead of stalling it.
  const data = progress ? pipeline(body, byteCounter((done) => progress({ done, ...total })), () => {}) : body;
  try {
    const ref = await files.write({ name: fileName(key), data, contentType: info.contentType });
    // A store that resolved although the body failed its check must not hand on what it kept.
    if (bodyError !== undefined) throw ctx.fail(bodyError, { key });
    return ref;
  } catch (error) {
    if (ctx.signal?.aborted || bodyError !== undefined) throw ctx.fail(bodyError ?? error, { key });
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectorError('ServerError', `The host's file store could not save "${key}": ${reason}.`, { cause: error, retryable: false });
  } finally {
    body.destroy();
  }
}

/** What a failed `ifMatch` / `ifNoneMatch` means, in the user's words. */
function conflictMessage({ key, ifMatch, ifNoneMatch }: GetInput): string | undefined {
  const changed = `its ETag is no longer "${ifMatch}" (\`ifMatch\`)`;
  const unchanged = `its ETag is still "${ifNoneMatch}" (\`ifNoneMatch\`)`;
  if (ifMatch !== undefined && ifNoneMatch !== undefined) return `Object "${key}" was not downloaded: ${changed}, or ${unchanged}.`;
  if (ifMatch !== undefined) return `Object "${key}" has changed: ${changed}. Read it again without \`ifMatch\` to get the new content.`;
  if (ifNoneMatch !== undefined) return `Object "${key}" is not modified: ${unchanged}, so it was not downloaded again.`;
  return undefined;
}

export const get = defineAction({
  input: validator<Input>(inputSchema),
  async run(input, ctx): Promise<GetOutput> {
    const { key, as: mode } = input;
    // Before any network call: file mode needs the host's store.
    if (mode === 'file') ctx.files('/as');
    const opened = await download(ctx, key, {
      versionId: input.versionId,
      range: input.range === undefined ? undefined : input.range.startsWith('bytes=') ? input.range : `bytes=${input.range}`,
      ifMatch: input.ifMatch && quoteEtag(input.ifMatch),
      ifNoneMatch: input.ifNoneMatch && quoteEtag(input.ifNoneMatch),
      conflictMessage: conflictMessage(input),
      verify: input.verify,
    });
    const { info, contentRange } = opened;
    const described: GetOutput = { ...info, ...(contentRange ? { contentRange } : {}) };
    if (mode === 'file') return { ...described, file: await toFile(ctx, key, opened) };

    let bytes: Buffer;
    try {
      bytes = await readAll(opened.body, MAX_INLINE_BYTES, (n) => tooLarge(key, mode, n), info.size);
    } catch (error) {
      throw ctx.fail(error, { key });
    }
    if (mode === 'base64') return { ...described, base64: bytes.toString('base64') };
    const text = decodeText(bytes, input.charset ?? charsetOf(info.contentType) ?? 'utf-8', key, '/charset');
    if (mode === 'text') return { ...described, text };
    return { ...described, json: parseJson(text, key) as GetOutput['json'] };
  },
});
