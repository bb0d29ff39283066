/**
 * Questions in a terminal, one per field of a schema, in `x-order`: `connections add` (secrets read
 * without echo, the custom endpoint asked early, advanced fields only when asked for) and `run` without
 * --input. Each answer is checked as it is given, against the schema with the answers so far; each
 * prompt says what to type and what Enter gives; key fields complete with Tab from the connector's
 * suggest hook, and fields with examples (a region) from those. Prompts go to stderr, so stdout stays
 * for results.
 *
 * npm's own `read` does the line editing, the completion and the no-echo input; Inquirer's current
 * releases need Node 22, and this package supports Node 20.
 */
import { read } from 'read';
import type { ActionInfo, LoadedConnector, SuggestKind } from '../core/connector.js';
import { HostError } from '../core/errors.js';
import { effectiveDefaults, fieldsOf, firstSentence, typeOf, type FieldInfo } from '../core/fields.js';
import type { FieldError, JsonSchema } from '../core/schema.js';

export interface PromptIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/** readline's completer, in its callback form: the candidates for the line, and the part they complete. */
export type Completer = (line: string, callback: (error: Error | null, result: [string[], string]) => void) => void;

type Values = Record<string, unknown>;

/** How many times the whole form is checked again, re-asking the fields at fault, before giving up. */
const MAX_ROUNDS = 3;

/** The connection field a custom endpoint goes in (host contract, section 2): asked right after the name. */
const ENDPOINT = 'endpoint';

/** The enum of a field, or of the first branch of its anyOf that has one. */
function choicesOf(schema: JsonSchema): { values: unknown[]; names: string[] } | undefined {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
  const withEnum = branches.find((b) => Array.isArray(b.enum));
  if (!withEnum) return undefined;
  const values = withEnum.enum as unknown[];
  const names = Array.isArray(withEnum['x-enumNames']) ? (withEnum['x-enumNames'] as string[]) : values.map(String);
  return { values, names };
}

/** What to type, in a few words, for the prompt. */
function whatToType(field: FieldInfo): string | undefined {
  const type = typeOf(field.schema);
  if (field.schema.type === 'boolean') return 'y/n';
  if (choicesOf(field.schema)) return `1-${choicesOf(field.schema)!.values.length} or a value`;
  if (type === 'file') return 'a local path';
  if (field.schema.type === 'integer') return 'a whole number';
  if (field.schema.type === 'number') return 'a number';
  if (field.schema.type === 'array') return 'values separated by commas';
  if (field.schema.type === 'object' || type === 'any JSON value') return 'JSON';
  return undefined;
}

/** The answer as the field's type; throws with what to type instead. */
function parse(field: FieldInfo, answer: string): unknown {
  const { schema } = field;
  if (schema.type === 'boolean') {
    if (/^(y|yes|true|on)$/i.test(answer)) return true;
    if (/^(n|no|false|off)$/i.test(answer)) return false;
    throw new Error('Answer y or n.');
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(answer);
    if (!Number.isFinite(n) || (schema.type === 'integer' && !Number.isInteger(n))) throw new Error(`Expected ${schema.type === 'integer' ? 'a whole number' : 'a number'}.`);
    return n;
  }
  const choices = choicesOf(schema);
  if (choices && /^\d+$/.test(answer)) {
    const picked = choices.values[Number(answer) - 1];
    if (picked !== undefined) return picked;
  }
  if (schema.type === 'array') return answer.split(',').map((item) => item.trim()).filter(Boolean);
  if (schema.type === 'object' || typeOf(schema) === 'any JSON value') {
    try {
      return JSON.parse(answer) as unknown;
    } catch {
      throw new Error(`Expected JSON, e.g. ${JSON.stringify(Array.isArray(schema.examples) ? schema.examples[0] : {})}.`);
    }
  }
  return answer;
}

/** Readline completion from a fixed list (a field's examples, such as the AWS regions). */
function listCompleter(candidates: readonly string[]): Completer {
  return (line, callback) => callback(null, [candidates.filter((c) => c.startsWith(line)), line]);
}

/** Readline completion from the connector's suggest hook: keys and folders under what is typed. */
export function suggestCompleter(suggest: (query: string) => Promise<{ options: { value: string }[] }>): Completer {
  return (line, callback) => {
    suggest(line).then(
      ({ options }) => callback(null, [options.map((o) => o.value), line]),
      // A failed lookup completes nothing; the answer is still checked when given.
      () => callback(null, [[], line]),
    );
  };
}

interface Question {
  field: FieldInfo;
  /** Problems with this field's value, given the answers so far. */
  check(value: unknown): string[];
  /** What Enter gives, if anything. */
  fallback?: unknown;
  completer?: Completer;
  /** Turns the answer to a file field (a local path) into what the input takes. */
  file?: (path: string) => Promise<unknown>;
}

function asker(io: PromptIO) {
  const say = (line = '') => io.output.write(`${line}\n`);
  const ask = async (prompt: string, options: { silent?: boolean; completer?: Completer } = {}): Promise<string> => {
    try {
      return String(await read({ prompt, input: io.input, output: io.output, ...options })).trim();
    } catch (error) {
      // `read` rejects with "canceled" on Ctrl-C.
      throw new HostError('Aborted', 'Cancelled: nothing was saved or run.', { cause: error });
    }
  };

  /** Asks until the answer is valid; undefined for an optional field left empty with no default. */
  const askField = async ({ field, check, fallback, completer, file }: Question): Promise<unknown> => {
    const { schema, title } = field;
    say();
    const line = firstSentence(schema.description);
    if (line) say(`  ${line}`);
    const choices = choicesOf(schema);
    if (choices) choices.names.forEach((name, i) => say(`  ${i + 1}. ${name}${choices.values[i] === fallback ? '  (default)' : ''}`));
    const example = Array.isArray(schema.examples) && schema.examples.length > 0 && !choices ? `e.g. ${JSON.stringify(schema.examples[0])}` : undefined;
    const enter = fallback === undefined ? (field.required ? undefined : 'Enter to skip') : `Enter: ${schema.type === 'boolean' ? (fallback ? 'y' : 'n') : JSON.stringify(fallback)}`;
    const hints = [whatToType(field), enter ?? example, field.secret ? 'hidden' : undefined, completer ? 'Tab completes' : undefined].filter(Boolean);
    for (;;) {
      const answer = await ask(`${title}${field.required ? '' : ' (optional)'}${hints.length ? ` [${hints.join('; ')}]` : ''}:`, {
        silent: field.secret,
        ...(completer ? { completer } : {}),
      });
      if (answer === '') {
        if (fallback !== undefined) return fallback;
        if (!field.required) return undefined;
        say(`  ${title} is required.`);
        continue;
      }
      try {
        const value = file && typeOf(schema) === 'file' ? await file(answer) : parse(field, answer);
        const problems = check(value);
        if (problems.length === 0) return value;
        for (const problem of problems) say(`  ✖ ${problem}`);
      } catch (error) {
        say(`  ${(error as Error).message}`);
      }
    }
  };
  return { say, ask, askField };
}

/** The errors about `field` (or inside it) among all of the form's. */
function errorsAt(errors: FieldError[], field: FieldInfo): string[] {
  return errors.filter((e) => e.field === field.pointer || e.field.startsWith(`${field.pointer}/`)).map((e) => e.message);
}

/**
 * Asks `fields` in turn into `values`, each checked with the answers so far; then checks the whole form
 * and asks again the fields at fault (a rule across fields, such as a session token for ASIA keys).
 */
async function fill(
  io: ReturnType<typeof asker>,
  fields: FieldInfo[],
  values: Values,
  errorsOf: (values: Values) => FieldError[],
  extra: (field: FieldInfo, values: Values) => Partial<Question>,
): Promise<void> {
  const askInto = async (field: FieldInfo) => {
    const value = await io.askField({
      field,
      check: (candidate) => errorsAt(errorsOf({ ...values, [field.name]: candidate }), field),
      ...extra(field, values),
    });
    if (value === undefined) delete values[field.name];
    else values[field.name] = value;
  };
  for (const field of fields) await askInto(field);
  for (let round = 1; ; round++) {
    const errors = errorsOf(values).filter((e) => fields.some((f) => errorsAt([e], f).length > 0));
    if (errors.length === 0) return;
    io.say();
    for (const error of errors) io.say(`  ✖ ${error.message}`);
    const again = fields.filter((f) => errorsAt(errors, f).length > 0);
    if (round >= MAX_ROUNDS || again.length === 0) {
      throw new HostError('InvalidInput', errors.map((e) => e.message).join(' '), { field: errors[0]!.field, details: { errors } });
    }
    for (const field of again) await askInto(field);
  }
}

/** Tab completion from a field's string examples, such as the AWS regions. */
function examplesCompleter(field: FieldInfo): Completer | undefined {
  const examples = Array.isArray(field.schema.examples) ? field.schema.examples.filter((e): e is string => typeof e === 'string') : [];
  return examples.length > 1 ? listCompleter(examples) : undefined;
}

export async function promptConnection(connector: LoadedConnector, io: PromptIO): Promise<Values> {
  const prompt = asker(io);
  const all = fieldsOf(connector.connectionSchema);
  const name = all.filter((f) => f.name === 'name');
  // MinIO and R2 users always need an endpoint, and other answers are checked against it (AWS key IDs).
  const endpoint = all.filter((f) => f.name === ENDPOINT);
  const basic = all.filter((f) => !f.advanced && f.name !== 'name' && f.name !== ENDPOINT);
  const advanced = all.filter((f) => f.advanced && f.name !== ENDPOINT);
  const values: Values = {};
  const errorsOf = (candidate: Values) => connector.connectionErrors(candidate);
  const extra = (field: FieldInfo, so: Values): Partial<Question> => {
    const fallback = effectiveDefaults(connector.connectionSchema, so, connector.matches)[field.name];
    const completer = examplesCompleter(field);
    return { ...(fallback === undefined ? {} : { fallback }), ...(completer ? { completer } : {}) };
  };

  prompt.say(`New ${connector.manifest.name} connection. Press Ctrl-C to cancel.`);
  await fill(prompt, [...name, ...endpoint, ...basic], values, errorsOf, extra);
  if (advanced.length > 0) {
    prompt.say();
    const titles = advanced.map((f) => f.title).join(', ');
    if (/^y/i.test(await prompt.ask(`Change advanced settings (${titles})? [y/N]`))) {
      await fill(prompt, advanced, values, errorsOf, extra);
    }
  }
  return values;
}

export interface InputPromptOptions {
  /** Choices for a field named in the action's `suggest` map, for Tab completion. */
  suggest(field: string, kind: SuggestKind, query: string, input: Values): Promise<{ options: { value: string }[] }>;
  /** A local path for a file field, as the input takes it (a FileRef). */
  file(path: string): Promise<unknown>;
}

/** `run <action>` in a terminal without --input: the action's fields (advanced ones are for --input). */
export async function promptInput(connector: LoadedConnector, action: ActionInfo, io: PromptIO, options: InputPromptOptions): Promise<Values> {
  const prompt = asker(io);
  const fields = fieldsOf(action.inputSchema).filter((f) => !f.advanced);
  const values: Values = {};
  // Problems of the fields asked so far: a field not yet asked is not missing yet.
  const errorsOf = (candidate: Values) => connector.inputErrors(action.id, candidate);
  const extra = (field: FieldInfo, so: Values): Partial<Question> => {
    const kind = action.suggest?.[field.pointer];
    const completer = kind ? suggestCompleter((query) => options.suggest(field.pointer, kind, query, so)) : examplesCompleter(field);
    return { ...(completer ? { completer } : {}), file: options.file };
  };
  prompt.say(`${action.name}: ${action.description} Press Ctrl-C to cancel; Enter skips an optional field.`);
  await fill(prompt, fields, values, errorsOf, extra);
  return values;
}

/** A yes/no question; `fallback` when the answer is empty. */
export async function confirm(io: PromptIO, question: string, fallback = false): Promise<boolean> {
  const answer = String(await read({ prompt: `${question} ${fallback ? '[Y/n]' : '[y/N]'} `, input: io.input, output: io.output })).trim();
  return answer === '' ? fallback : /^y/i.test(answer);
}
