import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type addFormatsPlugin from 'ajv-formats';
import { editDistance } from './edit-distance.js';
import { ConnectorError } from './errors.js';
import { AJV_OPTIONS, ANNOTATION_KEYWORDS, validators } from './generated/validators.js';
import { requireOnUse } from './lazy.js';
import { looksLikeSecret } from './secret-shape.js';

export { ANNOTATION_KEYWORDS };

type Schema = Record<string, unknown>;

let runtimeAjv: Ajv2020 | undefined;

/**
 * Ajv itself, for a schema the build did not compile (a test's own, or one added without `npm run
 * generate`): loaded and set up on the first such schema only, with the build's own options, so
 * the package's schemas never load it.
 */
function compileNow(schema: Schema): ValidateFunction {
  if (!runtimeAjv) {
    const { Ajv2020 } = requireOnUse('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const addFormats = requireOnUse('ajv-formats') as typeof addFormatsPlugin;
    runtimeAjv = new Ajv2020({ ...AJV_OPTIONS });
    addFormats(runtimeAjv);
    for (const keyword of ANNOTATION_KEYWORDS) runtimeAjv.addKeyword({ keyword });
  }
  return runtimeAjv.getSchema(String(schema.$id)) ?? runtimeAjv.compile(schema);
}

const built = new Map<string, ValidateFunction>();

/** The build's validator for this schema (by $id, see scripts/generate-validators.mjs), else one compiled now. */
function compiled(schema: Schema): ValidateFunction {
  const id = schema.$id;
  if (typeof id !== 'string' || !Object.hasOwn(validators, id)) return compileNow(schema);
  let check = built.get(id);
  if (!check) built.set(id, (check = validators[id]!()));
  return check;
}

/** `("/metadata", "a/b")` → `/metadata/a~1b`: the JSON Pointer of an entry, escaped (RFC 6901). */
export function childPointer(parent: string, name: string): string {
  return `${parent}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `/metadata/x-foo` → `metadata.x-foo`, `/sizes/0` → `sizes[0]`. */
export function fieldName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}


/** A string a message must not quote: a secret field's, one shaped like a secret, or one holding a secret. */
function hidden(value: unknown, secret: boolean, secrets: readonly string[]): value is string {
  return typeof value === 'string' && (secret || looksLikeSecret(value) || secrets.some((s) => value.includes(s)));
}

/** How a value is quoted back to the user; secrets (and what looks like one) only by length. */
function received(value: unknown, secret: boolean, secrets: readonly string[]): string {
  if (hidden(value, secret, secrets)) return `a value of ${value.length} characters${secret ? '' : ' (not shown: it looks like a secret)'}`;
  if (secret) return article(kind(value));
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return 'nothing';
  if (value === null || typeof value !== 'object') return String(value);
  return article(kind(value));
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The values of the top-level secret fields, so no message quotes them even from another field. */
function secretValues(root: Schema, data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const properties = (root.properties ?? {}) as Record<string, Schema>;
  return Object.entries(data as Record<string, unknown>)
    .filter(([key, value]) => properties[key]?.['x-secret'] === true && typeof value === 'string' && value.length >= 8)
    .map(([, value]) => value as string);
}

function typeName(schema: Schema): string {
  const type = schema.type;
  return Array.isArray(type) ? type.join(' or ') : typeof type === 'string' ? type : 'value';
}

function article(text: string): string {
  return /^[aeiou]/i.test(text) ? `an ${text}` : `a ${text}`;
}

/** Composite keywords whose own error says more than the errors of their branches. */
const COMPOSITE = new Set(['anyOf', 'oneOf']);

/** The error a person should read first: not a branch of a failed anyOf/oneOf, not an `if`. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const candidates = errors.filter((e) => e.keyword !== 'if');
  const composite = candidates.filter((e) => COMPOSITE.has(e.keyword));
  const inside = (e: ErrorObject) =>
    composite.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`));
  const first = candidates.find((e) => !inside(e)) ?? errors[0]!;
  // A value of the wrong type explains every other complaint about it (e.g. a oneOf on a string).
  const wrongType = candidates.find(
    (e) => e.keyword === 'type' && !inside(e) && (first.instancePath === e.instancePath || first.instancePath.startsWith(`${e.instancePath}/`)),
  );
  return wrongType ?? first;
}

/** "Other region" → "other region", but "AWS Region" stays. */
function lowerFirst(title: string): string {
  return /^[A-Z][A-Z]/.test(title) ? title : title.charAt(0).toLowerCase() + title.slice(1);
}

/**
 * A branch like `{ "required": ["text"] }`. Strict mode wants the name declared beside `required`,
 * so `{ "properties": { "text": true }, "required": ["text"] }` counts too.
 */
function requiresOneField(branch: Schema): boolean {
  const required = branch.required;
  if (!Array.isArray(required) || required.length !== 1) return false;
  const properties = branch.properties;
  const others = Object.keys(branch).filter((k) => k !== 'required' && k !== 'properties');
  const declaresOnlyIt =
    properties === undefined || (typeof properties === 'object' && properties !== null && Object.keys(properties).every((k) => k === required[0]));
  return others.length === 0 && declaresOnlyIt;
}

function describeBranches(branches: Schema[]): string {
  return branches
    .map((b) => (typeof b.$comment === 'string' ? b.$comment : typeof b.title === 'string' ? article(lowerFirst(b.title)) : 'a valid value'))
    .join(', or ');
}

function message(error: ErrorObject, root: Schema, label: string, secrets: readonly string[]): { message: string; field: string } {
  const schema = (error.parentSchema ?? {}) as Schema;
  const params = error.params as Record<string, unknown>;
  const properties = (root.properties ?? {}) as Record<string, Schema>;
  const topLevel = error.instancePath.split('/')[1];
  const secret = topLevel !== undefined && properties[topLevel]?.['x-secret'] === true;
  const field = error.instancePath;
  // The whole value failed (e.g. not an object): name it in words, not as "`connection.`".
  const name = field === '' ? (label ? 'the connection' : 'the input') : `\`${label}${fieldName(field)}\``;
  const got = received(error.data, secret, secrets);

  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const pointer = `${field}/${missing}`;
      const hint = field === '' ? properties[missing]?.description : undefined;
      return { field: pointer, message: `Missing required \`${label}${fieldName(pointer)}\`${typeof hint === 'string' ? `: ${hint}` : '.'}` };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys((schema.properties ?? {}) as Schema);
      const close = known.find((k) => editDistance(k.toLowerCase(), extra.toLowerCase()) <= 2);
      const pointer = `${field}/${extra}`;
      return {
        field: pointer,
        message: `Unknown field \`${label}${fieldName(pointer)}\`: ${close ? `did you mean \`${close}\`?` : `remove it (known fields: ${known.join(', ')}).`}`,
      };
    }
    case 'type': {
      const plain = error.data === undefined || error.data === null || typeof error.data === 'object' || secret || hidden(error.data, secret, secrets);
      return { field, message: `Expected ${article(typeName(schema))} for ${name} but received ${plain ? got : `${article(kind(error.data))} (${got})`}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
      const bound: Record<string, string> = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
      };
      const range =
        minimum !== undefined && maximum !== undefined
          ? `between ${minimum} and ${maximum}`
          : `${bound[error.keyword]} ${String(params.limit)}`;
      return { field, message: `Expected ${typeName(schema)} ${range} for ${name} but received ${got}` };
    }
    case 'minLength':
    case 'maxLength': {
      const { minLength, maxLength } = schema as { minLength?: number; maxLength?: number };
      const length = typeof error.data === 'string' ? error.data.length : 0;
      if (error.keyword === 'minLength' && minLength === 1 && length === 0) {
        return { field, message: `Expected a non-empty string for ${name} but received ""` };
      }
      const range = minLength !== undefined && maxLength !== undefined ? `${minLength} to ${maxLength}` : error.keyword === 'minLength' ? `at least ${minLength}` : `at most ${maxLength}`;
      return { field, message: `Expected ${range} characters for ${name} but received ${length} characters` };
    }
    case 'pattern':
    case 'format': {
      const rule = typeof schema.$comment === 'string' ? schema.$comment : error.keyword === 'format' ? `a valid ${String(params.format)}` : `a value matching ${String(params.pattern)}`;
      return { field, message: `Expected ${rule} for ${name} but received ${got}` };
    }
    case 'enum':
    case 'const': {
      const allowed = (error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]).map((v) => JSON.stringify(v));
      return { field, message: `Expected ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`} for ${name} but received ${got}` };
    }
    case 'anyOf':
    case 'oneOf': {
      const branches = (error.schema ?? []) as Schema[];
      const onlyRequired = branches.every(requiresOneField);
      if (onlyRequired) {
        const names = branches.map((b) => `\`${label}${(b.required as string[])[0]}\``);
        const data = (error.data ?? {}) as Record<string, unknown>;
        const given = branches.map((b) => (b.required as string[])[0]!).filter((k) => data[k] !== undefined);
        return {
          field,
          message: `Expected exactly one of ${names.join(', ')} but received ${given.length === 0 ? 'none' : given.map((k) => `\`${k}\``).join(' and ')}`,
        };
      }
      return { field, message: `Expected ${describeBranches(branches)} for ${name} but received ${got}` };
    }
    case 'minItems':
    case 'maxItems':
      return { field, message: `Expected ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)} items for ${name} but received ${Array.isArray(error.data) ? error.data.length : 0}` };
    case 'uniqueItems':
      return { field, message: `Expected unique items for ${name}, but items ${String(params.j)} and ${String(params.i)} are the same` };
    case 'dependentRequired':
      return { field: `${field}/${String(params.missingProperty)}`, message: `\`${label}${String(params.property)}\` needs \`${label}${String(params.missingProperty)}\` too` };
    default:
      return { field, message: `Invalid ${name || 'input'}: ${error.message ?? 'it does not match its schema'}` };
  }
}

export interface Validator<T> {
  /** Returns a validated copy with defaults applied; throws `InvalidInput` naming the field. */
  (value: unknown): T;
  readonly schema: Schema;
}

/**
 * A validator for one schema: the one built from it at build time, set up on first use; the caller's
 * value is never mutated. `label` prefixes field names in messages, e.g. "connection." for connection errors.
 */
export function validator<T>(schema: Schema, label = ''): Validator<T> {
  let check: ValidateFunction | undefined;
  const validate = (value: unknown): T => {
    check ??= compiled(schema);
    const copy: unknown = value === undefined ? undefined : structuredClone(value);
    if (check(copy)) return copy as T;
    const error = pickError(check.errors ?? []);
    const { message: text, field } = message(error, schema, label, secretValues(schema, copy));
    const sentence = /[.?!]$/.test(text) ? text : `${text}.`;
    throw new ConnectorError('InvalidInput', label ? `${sentence} Edit the connection to fix it.` : sentence, {
      field,
      details: { target: label ? 'connection' : 'input', keyword: error.keyword },
    });
  };
  return Object.assign(validate, { schema });
}
