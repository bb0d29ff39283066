/**
 * Choices for key and prefix fields while the user types (host contract 1.2, section 6): the folders
 * and objects under the typed text, folders first, from one listing request. Which fields get them,
 * and of what kind, is the manifest's `suggest` map, read here: a new field needs only a manifest entry.
 */
import manifestJson from '../connector.json';
import requestSchema from '../schemas/suggest.request.json';
import { defineAction } from './action.js';
import { formatBytes } from './bytes.js';
import type { ActionContext } from './contract.js';
import { invalidInput, isConnectorError } from './errors.js';
import type { Manifest, Suggest } from './generated/manifest.js';
import type { SuggestRequest } from './generated/suggest.request.js';
import type { SuggestResult } from './generated/suggest.result.js';
import { formatOfExtension, isReadable } from './image/formats.js';
import { decodeResumePoint, encodeResumePoint, type ListingScope, type ResumePoint } from './list-token.js';
import { compareKeys, listPages } from './listing.js';
import { validator } from './validate.js';

export type { SuggestRequest, SuggestResult };
export type SuggestHook = (request: unknown, ctx: ActionContext) => Promise<SuggestResult>;

type Kind = NonNullable<Suggest[string]>;
type Option = SuggestResult['options'][number];

/** One page of choices: a picker shows about this many, and a host asks on keystrokes. */
export const MAX_OPTIONS = 100;

/**
 * Keys per request when choices are filtered (folders only, or images only): S3's page size, so a
 * folder of other files still yields choices in one request.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
const FILTERED_PAGE_SIZE = 1000;

interface Entry {
  id: string;
  suggest?: Suggest;
}

/** The manifest, which test/manifest.test.ts checks against its schema (JSON imports widen its strings). */
const manifest = manifestJson as unknown as Manifest;

/** Actions first, then triggers: a host names either by its id. */
function entries(): Entry[] {
  return [...manifest.actions, ...(manifest.triggers ?? [])];
}

function kindOf({ action, field }: SuggestRequest): Kind {
  const entry = entries().find((e) => e.id === action);
  if (!entry) {
    throw invalidInput('/action', `Expected the id of one of this connector's actions (${entries().map((e) => e.id).join(', ')}) for \`action\` but received ${JSON.stringify(action)}.`);
  }
  const kind = entry.suggest?.[field];
  if (!kind) {
    const fields = Object.keys(entry.suggest ?? {});
    throw invalidInput('/field', `"${action}" suggests nothing for \`${field}\`${fields.length > 0 ? `, only for ${fields.join(', ')}` : ''}: show it as a plain text field.`);
  }
  return kind;
}

function isImageKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const format = dot > 0 ? formatOfExtension(name.slice(dot + 1)) : undefined;
  return format !== undefined && isReadable(format);
}

/** The cursor of an earlier answer, for the same field and typed text; anything else is the host's mistake. */
function resumeFrom(cursor: string | undefined, scope: ListingScope): ResumePoint | undefined {
  if (cursor === undefined) return undefined;
  try {
    return decodeResumePoint(cursor, scope);
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    throw invalidInput('/cursor', 'Expected `cursor` to be the `cursor` of an earlier answer for the same field and typed text, unchanged. Leave it out to start from the first page.');
  }
}

export const suggest: SuggestHook = defineAction({
  input: validator<SuggestRequest>(requestSchema),
  async run(request, ctx): Promise<SuggestResult> {
    const kind = kindOf(request);
    // The typed text is a key prefix: one the connection could never reach is refused, naming the field.
    const prefix = ctx.keys.resolvePrefix(request.query ?? '', request.field);
    const scope: ListingScope = { bucket: ctx.bucket, prefix, delimiter: '/' };
    const resume = resumeFrom(request.cursor, scope);
    const pageSize = kind === 'key' ? MAX_OPTIONS : FILTERED_PAGE_SIZE;

    // Full keys, in S3's order, of what this kind of field may take.
    const found: { key: string; folder: boolean; size?: number; lastModified?: Date }[] = [];
    const next = await listPages(ctx, { ...scope, startAfter: undefined, resume, pageSize, limit: pageSize, all: false }, (page) => {
      for (const folder of page.folders) found.push({ key: folder, folder: true });
      if (kind === 'prefix') return;
      for (const object of page.objects) {
        const key = object.Key ?? '';
        if (key.endsWith('/') || (kind === 'image' && !isImageKey(key))) continue;
        found.push({ key, folder: false, size: object.Size ?? 0, ...(object.LastModified ? { lastModified: object.LastModified } : {}) });
      }
    });
    found.sort((a, b) => compareKeys(a.key, b.key));
    // More than a page of choices: the next page starts after the last one shown.
    const shown = found.slice(0, MAX_OPTIONS);
    const cursor: ResumePoint | undefined = found.length > MAX_OPTIONS ? { after: shown.at(-1)!.key } : next;

    const option = (entry: (typeof found)[number]): Option => {
      const value = ctx.keys.relative(entry.key);
      if (entry.folder) return { value, label: value, description: 'Folder' };
      const date = entry.lastModified ? `, ${entry.lastModified.toISOString().slice(0, 10)}` : '';
      return { value, label: value, description: `${formatBytes(entry.size ?? 0)}${date}` };
    };
    return {
      options: [...shown.filter((e) => e.folder), ...shown.filter((e) => !e.folder)].map(option),
      ...(cursor ? { cursor: encodeResumePoint(scope, cursor) } : {}),
    };
  },
}) as SuggestHook;
