/**
 * `connections add` in a terminal: one question per field of the connection schema, in `x-order`,
 * secrets read without echo, advanced fields (`x-group`) only when asked for. Prompts go to stderr,
 * so stdout stays for results.
 *
 * npm's own `read` does the line editing and the no-echo input; Inquirer's current releases need
 * Node 22, and this package supports Node 20.
 */
import { read } from 'read';
import type { LoadedConnector } from '../core/connector.js';
import { HostError } from '../core/errors.js';
import type { JsonSchema } from '../core/schema.js';

export interface PromptIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

interface Field {
  name: string;
  schema: JsonSchema;
  required: boolean;
  secret: boolean;
  advanced: boolean;
}

/** How many times a field is asked again after a validation error before giving up. */
const MAX_ROUNDS = 3;

function fieldsOf(connector: LoadedConnector): Field[] {
  const schema = connector.connectionSchema;
  const required = new Set((schema.required ?? []) as string[]);
  const order = (s: JsonSchema) => (typeof s['x-order'] === 'number' ? s['x-order'] : Number.MAX_SAFE_INTEGER);
  return Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)
    .map(([name, field]) => ({
      name,
      schema: field,
      required: required.has(name),
      secret: connector.secretFields.includes(name),
      advanced: typeof field['x-group'] === 'string',
    }))
    .sort((a, b) => order(a.schema) - order(b.schema));
}

/** The enum of a field, or of the first branch of its anyOf that has one (e.g. a region list). */
function choicesOf(schema: JsonSchema): { values: unknown[]; names: string[]; open: boolean } | undefined {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
  const withEnum = branches.find((b) => Array.isArray(b.enum));
  if (!withEnum) return undefined;
  const values = withEnum.enum as unknown[];
  const names = Array.isArray(withEnum['x-enumNames']) ? (withEnum['x-enumNames'] as string[]) : values.map(String);
  return { values, names, open: branches.length > 1 };
}

function parse(field: Field, answer: string): unknown {
  const type = field.schema.type;
  if (type === 'boolean') {
    if (/^(y|yes|true)$/i.test(answer)) return true;
    if (/^(n|no|false)$/i.test(answer)) return false;
    throw new Error('Answer y or n.');
  }
  if (type === 'integer' || type === 'number') {
    const n = Number(answer);
    if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) throw new Error(`Expected ${type === 'integer' ? 'a whole number' : 'a number'}.`);
    return n;
  }
  const choices = choicesOf(field.schema);
  if (choices && /^\d+$/.test(answer)) {
    const picked = choices.values[Number(answer) - 1];
    if (picked !== undefined) return picked;
  }
  return answer;
}

export async function promptConnection(connector: LoadedConnector, io: PromptIO): Promise<Record<string, unknown>> {
  const say = (line = '') => io.output.write(`${line}\n`);
  const ask = async (prompt: string, silent = false): Promise<string> => {
    try {
      return String(await read({ prompt, silent, input: io.input, output: io.output })).trim();
    } catch (error) {
      // `read` rejects with "canceled" on Ctrl-C.
      throw new HostError('Aborted', 'Cancelled: no connection was saved.', { cause: error });
    }
  };

  const askField = async (field: Field): Promise<unknown> => {
    const { schema } = field;
    const title = typeof schema.title === 'string' ? schema.title : field.name;
    say();
    if (typeof schema.description === 'string') say(`  ${schema.description}`);
    const choices = choicesOf(schema);
    if (choices && !choices.open) choices.names.forEach((name, i) => say(`  ${i + 1}. ${name}`));
    const example = Array.isArray(schema.examples) && schema.examples.length > 0 ? `e.g. ${String(schema.examples[0])}` : undefined;
    const fallback = schema.default === undefined ? undefined : String(schema.default);
    const hints = [field.required ? undefined : 'optional', fallback === undefined ? example : `default ${fallback}`, field.secret ? 'hidden' : undefined].filter(Boolean);
    for (;;) {
      const answer = await ask(`${title}${hints.length ? ` (${hints.join(', ')})` : ''}: `, field.secret);
      if (answer === '') {
        if (fallback !== undefined) return parse(field, fallback);
        if (!field.required) return undefined;
        say(`  ${title} is required.`);
        continue;
      }
      try {
        return parse(field, answer);
      } catch (error) {
        say(`  ${(error as Error).message}`);
      }
    }
  };

  const fields = fieldsOf(connector);
  const values: Record<string, unknown> = {};
  const fill = async (field: Field) => {
    const value = await askField(field);
    if (value === undefined) delete values[field.name];
    else values[field.name] = value;
  };

  say(`New ${connector.manifest.name} connection. Press Ctrl-C to cancel.`);
  for (const field of fields.filter((f) => !f.advanced)) await fill(field);
  const advanced = fields.filter((f) => f.advanced);
  if (advanced.length > 0) {
    say();
    const titles = advanced.map((f) => (typeof f.schema.title === 'string' ? f.schema.title : f.name)).join(', ');
    if (/^y/i.test(await ask(`Change advanced settings (${titles})? [y/N] `))) {
      for (const field of advanced) await fill(field);
    }
  }

  for (let round = 1; ; round++) {
    const errors = connector.connectionErrors(values);
    if (errors.length === 0) return values;
    say();
    for (const error of errors) say(`  ✖ ${error.message}`);
    const again = fields.filter((f) => errors.some((e) => e.field.split('/')[1] === f.name));
    if (round >= MAX_ROUNDS || again.length === 0) {
      throw new HostError('InvalidInput', errors.map((e) => e.message).join(' '), { field: errors[0]!.field, details: { errors } });
    }
    for (const field of again) await fill(field);
  }
}

/** A yes/no question; `fallback` when the answer is empty. */
export async function confirm(io: PromptIO, question: string, fallback = false): Promise<boolean> {
  const answer = String(await read({ prompt: `${question} ${fallback ? '[Y/n]' : '[y/N]'} `, input: io.input, output: io.output })).trim();
  return answer === '' ? fallback : /^y/i.test(answer);
}
