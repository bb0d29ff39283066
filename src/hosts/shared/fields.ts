/**
 * The JSON Schema side of every host mapping: each top-level property of a connection or input schema
 * becomes one Field of a small set of kinds, in the form's order (`x-order`), with the contract's form
 * hints read once. Each host then maps a kind onto its own property type in a table of its own.
 */
import type { JsonSchema, Operation, SuggestKind } from './contract.js';

/**
 * - `string`, `text` (multi-line), `secret`: text inputs;
 * - `choice`: one of `enum`; `switch`: a boolean with no default, so "not set" stays distinct from false;
 * - `boolean`, `integer`, `number`;
 * - `list`: an array of strings; `json`: any other object, array or union, given as JSON;
 * - `file`: a FileRef (`x-widget: "file"`), fed by the host's binary data.
 */
export type FieldKind = 'string' | 'text' | 'secret' | 'choice' | 'switch' | 'boolean' | 'integer' | 'number' | 'list' | 'json' | 'file';

export interface Choice {
  value: string;
  label: string;
}

export interface Field {
  name: string;
  kind: FieldKind;
  title: string;
  description?: string;
  required: boolean;
  /** `x-group: "advanced"`: collapsed by default. */
  advanced: boolean;
  default?: unknown;
  /** `choice` only. */
  choices?: Choice[];
  minimum?: number;
  maximum?: number;
  /** The first of `examples`, as a placeholder. */
  example?: unknown;
  /** Members of a `oneOf` of single-field branches ("exactly one of text, base64, json or file"). */
  exclusive?: boolean;
  /** Named in the operation's `suggest` map: its choices come from the connector while the user types. */
  suggest?: SuggestKind;
}

const FILE_REF_FIELDS = ['id', 'name'];

function isFileRef(schema: JsonSchema): boolean {
  if (schema['x-widget'] === 'file') return true;
  const required = schema.required;
  return schema.type === 'object' && Array.isArray(required) && FILE_REF_FIELDS.every((f) => required.includes(f)) && typeof schema.properties === 'object';
}

function choicesOf(schema: JsonSchema): Choice[] {
  const values = schema.enum as unknown[];
  const names = Array.isArray(schema['x-enumNames']) ? (schema['x-enumNames'] as string[]) : [];
  return values.map((value, i) => ({ value: String(value), label: names[i] ?? String(value) }));
}

/** The kind of one property schema: the rows of every host's table. */
export function kindOf(schema: JsonSchema): FieldKind {
  if (isFileRef(schema)) return 'file';
  if (schema['x-secret'] === true || schema.writeOnly === true) return 'secret';
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return 'choice';
  // A union of strings only (an AWS Region from a list, or any region an S3-compatible service names): free text.
  if (Array.isArray(schema.anyOf) && (schema.anyOf as JsonSchema[]).every((branch) => branch.type === 'string')) return 'string';
  switch (schema.type) {
    case 'string':
      return schema['x-widget'] === 'textarea' ? 'text' : 'string';
    case 'boolean':
      return schema.default === undefined ? 'switch' : 'boolean';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'array':
      return (schema.items as JsonSchema | undefined)?.type === 'string' ? 'list' : 'json';
    default:
      return 'json';
  }
}

/** The names that a top-level `oneOf` asks for exactly one of, when every branch requires one field. */
export function exclusiveNames(schema: JsonSchema): string[] {
  const branches = schema.oneOf;
  if (!Array.isArray(branches)) return [];
  const names = (branches as JsonSchema[]).map((b) => (Array.isArray(b.required) && b.required.length === 1 ? String(b.required[0]) : undefined));
  return names.every((n): n is string => n !== undefined) ? names : [];
}

/**
 * The schema's top-level properties as fields, in form order (`x-order`, then as written). `suggest` is an
 * operation's map of JSON Pointers: a top-level field it names (`/key`) gets its kind; hosts' forms have no
 * place for a nested one.
 */
export function fieldsOf(schema: JsonSchema, suggest: Record<string, SuggestKind> = {}): Field[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const exclusive = new Set(exclusiveNames(schema));
  const order = (s: JsonSchema) => (typeof s['x-order'] === 'number' ? s['x-order'] : Number.MAX_SAFE_INTEGER);
  return Object.entries(properties)
    .map(([name, s], index) => ({ name, s, index }))
    .sort((a, b) => order(a.s) - order(b.s) || a.index - b.index)
    .map(({ name, s }) => {
      const kind = kindOf(s);
      const examples = Array.isArray(s.examples) ? s.examples : [];
      const field: Field = {
        name,
        kind,
        title: typeof s.title === 'string' ? s.title : name,
        required: required.has(name),
        advanced: s['x-group'] === 'advanced',
      };
      if (typeof s.description === 'string') field.description = s.description;
      if (s.default !== undefined) field.default = s.default;
      if (kind === 'choice') field.choices = choicesOf(s);
      if (typeof s.minimum === 'number') field.minimum = s.minimum;
      if (typeof s.maximum === 'number') field.maximum = s.maximum;
      if (examples.length > 0) field.example = examples[0];
      if (exclusive.has(name)) field.exclusive = true;
      const suggested = suggest[`/${name}`];
      if (suggested !== undefined && (kind === 'string' || kind === 'text')) field.suggest = suggested;
      return field;
    });
}

/** An operation's input fields, with the choices its `suggest` map gives them. */
export function inputFields(operation: Operation): Field[] {
  return fieldsOf(operation.input, operation.suggest);
}

/** Output fields that carry a FileRef: where a host attaches the binary data an action produced. */
export function fileOutputs(output: JsonSchema): string[] {
  return fieldsOf(output).filter((f) => f.kind === 'file').map((f) => f.name);
}

/** A host value that means "not given": the field is left out of the input, and the schema's default applies. */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * A host's value for one field, as the input wants it: JSON text parsed for `json` fields, `switch`
 * choices ("true"/"false") made booleans, list entries trimmed of blanks. `undefined` when unset.
 * A value that cannot be parsed is returned as given: the connector's validation then names the field.
 */
export function inputValue(field: Field, value: unknown): unknown {
  if (isUnset(value)) return undefined;
  switch (field.kind) {
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    case 'switch':
      return value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;
    case 'integer':
    case 'number':
      return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    case 'list': {
      const items = (Array.isArray(value) ? value : String(value).split(',')).map((v) => (typeof v === 'string' ? v.trim() : v));
      const kept = items.filter((v) => !isUnset(v));
      return kept.length > 0 ? kept : undefined;
    }
    default:
      return value;
  }
}

/** Builds an input (or a connection) from a host's values, leaving out what is unset. */
export function toInput(fields: Field[], read: (field: Field) => unknown): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const value = inputValue(field, read(field));
    if (value !== undefined) input[field.name] = value;
  }
  return input;
}
