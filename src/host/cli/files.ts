/**
 * Local files in and out of the CLI. In: `--file [<field>=]<path>`, or `"<field>": "@<path>"` in
 * --input, for a field the schema marks `x-widget: "file"`; the file is read where it is. Out: every
 * FileRef in an action's output gets its `path` on disk, under <home>/files.
 */
import type { ActionInfo, FileRef } from '../core/connector.js';
import { fieldsOf, typeOf } from '../core/fields.js';
import { HostError } from '../core/errors.js';
import { fileRefsIn, type LocalFileStore } from '../core/files.js';

/** How the CLI takes a file, for messages: the store's own and ours. */
export const FILE_HINT = 'To upload a local file, give its path: --file <path>, or "file": "@<path>" in --input.';

function fileFields(action: ActionInfo): string[] {
  return fieldsOf(action.inputSchema)
    .filter((field) => typeOf(field.schema) === 'file')
    .map((field) => field.name);
}

/** `field=path` when `field` is one of the action's file fields; else the whole value is the path, for its only one. */
function target(action: ActionInfo, fields: string[], value: string): { field: string; file: string } {
  const eq = value.indexOf('=');
  if (eq > 0 && fields.includes(value.slice(0, eq))) return { field: value.slice(0, eq), file: value.slice(eq + 1) };
  if (fields.length === 1) return { field: fields[0]!, file: value };
  if (fields.length === 0) throw new HostError('Usage', `\`${action.id}\` takes no file: --file is for actions with a file field, such as put.`);
  throw new HostError('Usage', `\`${action.id}\` has several file fields (${fields.join(', ')}): name one, e.g. --file ${fields[0]}=${value}.`);
}

/** The input with every local file (from --file, or an "@path" in a file field) turned into a FileRef of `store`. */
export async function withLocalFiles(action: ActionInfo, input: unknown, files: readonly string[], store: LocalFileStore): Promise<unknown> {
  const fields = fileFields(action);
  if (files.length === 0 && fields.length === 0) return input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const given: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of fields) {
    const value = given[field];
    if (typeof value === 'string' && value.startsWith('@')) given[field] = await store.adopt(value.slice(1));
  }
  for (const value of files) {
    const { field, file } = target(action, fields, value);
    given[field] = await store.adopt(file);
  }
  return given;
}

/** The output with each FileRef's `path` on disk added, so a script (or a person) can open the file. */
export function withPaths<T>(output: T, store: LocalFileStore): T {
  const copy = structuredClone(output);
  for (const ref of fileRefsIn(copy) as (FileRef & { path?: string })[]) {
    try {
      ref.path = store.pathOf(ref);
    } catch {
      // A FileRef the store did not make (an echo of the input, say) has no path here.
    }
  }
  return copy;
}
