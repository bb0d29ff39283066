/**
 * The fields of an object schema as a person meets them: in `x-order`, with their title, type, default,
 * example and a one-line description. What the CLI's help and prompts show; no Node APIs, so the page
 * may use it too.
 */
import type { JsonSchema } from './schema.js';

export interface FieldInfo {
  name: string;
  /** JSON Pointer into the object, e.g. `/key`. */
  pointer: string;
  schema: JsonSchema;
  title: string;
  required: boolean;
  /** `x-secret` or `writeOnly`: stored encrypted, never echoed. */
  secret: boolean;
  /** In an `x-group` (e.g. "advanced"), collapsed or asked last. */
  advanced: boolean;
}

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The properties of an object schema, in `x-order` (the schema's own order among fields without one). */
export function fieldsOf(schema: JsonSchema): FieldInfo[] {
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const order = (s: JsonSchema) => (typeof s['x-order'] === 'number' ? s['x-order'] : Number.MAX_SAFE_INTEGER);
  return Object.entries(isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {})
    .filter(([, field]) => isObject(field))
    .map(([name, field]) => ({
      name,
      pointer: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      schema: field,
      title: typeof field.title === 'string' ? field.title : name,
      required: required.has(name),
      secret: field['x-secret'] === true || field.writeOnly === true,
      advanced: typeof field['x-group'] === 'string',
    }))
    .sort((a, b) => order(a.schema) - order(b.schema));
}

/** A field's type in a few words: `string`, `integer 1–100`, `one of inside, cover`, `array of string`, `file`. */
export function typeOf(schema: JsonSchema): string {
  if (schema['x-widget'] === 'file') return 'file';
  if (Array.isArray(schema.enum)) return `one of ${(schema.enum as unknown[]).map(String).join(', ')}`;
  if (Array.isArray(schema.anyOf)) {
    const kinds = [...new Set((schema.anyOf as JsonSchema[]).map((branch) => (isObject(branch) ? typeOf(branch) : 'value')))];
    return kinds.length > 3 ? 'any JSON value' : kinds.join(' or ');
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).join(' or ') : typeof schema.type === 'string' ? schema.type : 'value';
  if (type === 'array' && isObject(schema.items)) return `array of ${typeOf(schema.items)}`;
  if ((type === 'integer' || type === 'number') && typeof schema.minimum === 'number' && typeof schema.maximum === 'number') {
    return `${type} ${schema.minimum}–${schema.maximum}`;
  }
  return type;
}

/** The first sentence of a description: what a person needs at the field. */
export function firstSentence(description: unknown): string | undefined {
  if (typeof description !== 'string' || description.trim() === '') return undefined;
  // A full stop ends the sentence unless it ends an abbreviation such as "e.g." or "i.e.".
  const match = /^.*?(?<!\b(?:e\.g|i\.e|etc|vs))[.!?](?=\s|$)/s.exec(description.trim());
  return (match ? match[0] : description.trim()).replace(/\s+/g, ' ');
}

/** The field's first example, if the schema gives one. */
export function exampleOf(schema: JsonSchema): unknown {
  return Array.isArray(schema.examples) && schema.examples.length > 0 ? schema.examples[0] : undefined;
}

/**
 * The default each field takes when left empty, given the values so far: the field's own `default`, or
 * one that depends on other fields, stated as `default` in the branch of an `if`/`then`/`else` the
 * values take (for example path-style URLs: on with a custom endpoint, off for AWS). `matches` tells
 * whether the values match an `if` schema.
 */
export function effectiveDefaults(schema: JsonSchema, values: unknown, matches: (schema: JsonSchema, value: unknown) => boolean): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const field of fieldsOf(schema)) if (field.schema.default !== undefined) defaults[field.name] = field.schema.default;
  const conditions = [schema, ...(Array.isArray(schema.allOf) ? (schema.allOf as JsonSchema[]) : [])].filter((s) => isObject(s) && isObject(s.if));
  for (const condition of conditions) {
    const branch = matches(condition.if as JsonSchema, values ?? {}) ? condition.then : condition.else;
    if (!isObject(branch) || !isObject(branch.properties)) continue;
    for (const [name, property] of Object.entries(branch.properties as Record<string, unknown>)) {
      if (isObject(property) && property.default !== undefined) defaults[name] = property.default;
    }
  }
  return defaults;
}
