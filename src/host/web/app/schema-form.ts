/**
 * How the page turns any contract-following schema into a react-jsonschema-form: the contract's form hints
 * (x-order, x-widget, x-secret, x-enumNames, x-group) become a uiSchema, and validation runs on Ajv 8's
 * draft 2020-12 class with the five annotation keywords registered, as the contract says hosts compile them.
 */
import type { RJSFValidationError, UiSchema } from '@rjsf/utils';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ANNOTATION_KEYWORDS } from '../../core/schema.js';
import type { JsonSchema } from '../api-types.js';

type AjvClass = NonNullable<Parameters<typeof customizeValidator>[0]>['AjvClass'];

export const validator = customizeValidator({
  // Ajv2020 is a subclass of the Ajv class rjsf types its option with. rjsf's default strict: false stays:
  // it compiles fragments of a schema (if/then branches, anyOf options, probe schemas of its own) that are
  // not strict on their own. The host core has compiled every schema whole in strict mode at load.
  AjvClass: Ajv2020 as unknown as AjvClass,
  extenderFn(ajv) {
    for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
    return ajv;
  },
});

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** x-widget values rjsf renders with its own widgets, for string fields (any other type would crash the form). */
const STRING_WIDGETS: Record<string, string> = { password: 'password', textarea: 'textarea', code: 'textarea' };

/** The custom field (registered on the form) for `x-widget: "code"` on a value that is not only a string: JSON text. */
export const JSON_FIELD = 'json';

/** The custom widget (registered on the form) for a field named in the action's `suggest` map: a searchable picker. */
export const KEY_PICKER = 'keyPicker';

export interface UiOptions {
  /** Secret fields that already hold a saved value: their inputs say so and may stay empty. */
  savedSecrets?: readonly string[];
  /** Top-level fields (JSON Pointers) whose choices come from the connector's suggest hook, and their kind. */
  suggest?: Readonly<Record<string, string>>;
  /**
   * What top-level fields left empty default to, given the other fields (path-style URLs: on with a custom
   * endpoint): shown by their widgets, not written into the data, so the connector still decides.
   */
  effective?: Readonly<Record<string, unknown>>;
}

/** "Sizes" → "Size", for one row of an array. */
function singular(title: string): string {
  return /[^s]s$/i.test(title) ? title.slice(0, -1) : title;
}

/** The uiSchema for one schema node, recursively: field order, widgets, option labels, placeholders. */
export function uiSchemaFor(schema: JsonSchema, options: UiOptions = {}, name?: string): UiSchema {
  const ui: UiSchema = {};
  const hint = typeof schema['x-widget'] === 'string' ? schema['x-widget'] : undefined;
  const secret = schema['x-secret'] === true;
  const suggest = name === undefined ? undefined : options.suggest?.[`/${name}`];
  const effective = name === undefined ? undefined : options.effective?.[name];
  if (schema.type === 'string') {
    const widget = secret ? 'password' : suggest ? KEY_PICKER : hint && STRING_WIDGETS[hint];
    if (widget) ui['ui:widget'] = widget;
    if (suggest) ui['ui:options'] = { kind: suggest, field: `/${name}` };
    if (hint === 'code') ui['ui:classNames'] = 'code';
  } else if (schema.type === 'array' && isObject(schema.items)) {
    // Rows named "Size 1", "Size 2" rather than rjsf's "Sizes-1"; their buttons say which row they act on.
    const item = singular(typeof schema.title === 'string' ? schema.title : (name ?? 'Item'));
    const itemUi = uiSchemaFor(schema.items, options);
    ui['ui:options'] = { itemTitle: item };
    ui.items = (_data: unknown, index: number) => ({ ...itemUi, 'ui:title': `${item} ${index + 1}` });
  } else if (hint === 'code') {
    // Any JSON value (e.g. an anyOf of every type): one JSON editor instead of a type picker.
    ui['ui:field'] = JSON_FIELD;
    ui['ui:fieldReplacesAnyOrOneOf'] = true;
  }
  if (secret) {
    ui['ui:autocomplete'] = 'new-password';
    if (name && options.savedSecrets?.includes(name)) ui['ui:placeholder'] = 'saved — leave empty to keep';
  } else if (effective !== undefined && Array.isArray(schema.enum)) {
    // A select left empty shows what it defaults to.
    const names = Array.isArray(schema['x-enumNames']) ? (schema['x-enumNames'] as string[]) : [];
    ui['ui:placeholder'] = `Default: ${names[(schema.enum as unknown[]).indexOf(effective)] ?? String(effective)}`;
  } else if (effective !== undefined && schema.type === 'boolean') {
    ui['ui:options'] = { effectiveDefault: effective };
  } else {
    const example: unknown = Array.isArray(schema.examples) ? schema.examples[0] : undefined;
    if (typeof example === 'string' || typeof example === 'number') ui['ui:placeholder'] = `e.g. ${example}`;
    else if (ui['ui:field'] === JSON_FIELD && example !== undefined) ui['ui:placeholder'] = `e.g. ${JSON.stringify(example)}`;
  }
  if (Array.isArray(schema['x-enumNames'])) ui['ui:enumNames'] = schema['x-enumNames'] as string[];
  if (isObject(schema.properties)) {
    const names = Object.keys(schema.properties);
    const order = (key: string): number => {
      const value = (schema.properties as Record<string, JsonSchema>)[key]?.['x-order'];
      return typeof value === 'number' ? value : Number.POSITIVE_INFINITY;
    };
    // A stable sort keeps the schema's own order among fields without x-order.
    ui['ui:order'] = [...names.sort((a, b) => order(a) - order(b)), '*'];
    for (const [key, property] of Object.entries(schema.properties)) {
      if (isObject(property)) ui[key] = uiSchemaFor(property, options, key);
    }
  }
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const branches = schema[combinator];
    if (Array.isArray(branches)) ui[combinator] = branches.map((branch) => (isObject(branch) ? uiSchemaFor(branch, options, name) : {}));
  }
  if (isObject(schema.items) && ui.items === undefined) ui.items = uiSchemaFor(schema.items, options);
  return ui;
}

/**
 * A oneOf/anyOf branch that only names fields that must be present (`{ "required": ["text"] }`, with
 * `properties: { text: true }` for strict mode): a cross-field rule such as "exactly one of text, base64…",
 * not an alternative to pick. rjsf would render such branches as a picker of "option 1, option 2…".
 */
function isPresenceRule(branch: unknown): boolean {
  if (!isObject(branch) || !Array.isArray(branch.required)) return false;
  return Object.entries(branch).every(([key, value]) =>
    key === 'properties' ? isObject(value) && Object.values(value).every((v) => v === true) : ['required', 'title', 'description', '$comment'].includes(key),
  );
}

/** The schema without its presence rules, in objects at any depth: the connector checks them and says which field. */
function withoutPresenceRules(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  for (const combinator of ['oneOf', 'anyOf'] as const) {
    const branches = copy[combinator];
    if (Array.isArray(branches) && branches.length > 0 && branches.every(isPresenceRule)) delete copy[combinator];
  }
  if (isObject(copy.properties)) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([key, value]) => [key, isObject(value) ? withoutPresenceRules(value) : value]));
  }
  return copy;
}

/**
 * The schema without the defaults of `then`/`else` branches: rjsf would write the branch that applies on
 * the first render (no endpoint yet: path-style off) into the data, and keep it once the other branch
 * applies. The form shows them instead (UiOptions.effective).
 */
function withoutConditionalDefaults(schema: JsonSchema): JsonSchema {
  const strip = (branch: unknown): unknown => {
    if (!isObject(branch) || !isObject(branch.properties)) return branch;
    const properties = Object.fromEntries(
      Object.entries(branch.properties).map(([key, value]) => {
        if (!isObject(value)) return [key, value];
        const { default: _default, ...rest } = value;
        return [key, rest];
      }),
    );
    return { ...branch, properties };
  };
  const conditional = (node: unknown): unknown => (isObject(node) && isObject(node.if) ? { ...node, then: strip(node.then), else: strip(node.else) } : node);
  const copy = conditional(schema) as JsonSchema;
  return Array.isArray(copy.allOf) ? { ...copy, allOf: copy.allOf.map(conditional) } : copy;
}

/**
 * The schema a form renders. rjsf caches compiled schemas by `$id`, so a derived schema must not reuse its
 * source's; for editing, saved secrets become optional, since an empty secret keeps the saved one.
 */
export function formSchema(schema: JsonSchema, options: UiOptions = {}): JsonSchema {
  const { $id: _id, ...rest } = withoutConditionalDefaults(withoutPresenceRules(schema));
  const saved = options.savedSecrets ?? [];
  if (saved.length === 0 || !Array.isArray(rest.required)) return rest;
  return { ...rest, required: rest.required.filter((field) => !saved.includes(String(field))) };
}

/** Every node of a schema, for looking up the human rule text a pattern or format carries in `$comment`. */
function* nodes(schema: unknown): Generator<JsonSchema> {
  if (Array.isArray(schema)) {
    for (const item of schema) yield* nodes(item);
  } else if (isObject(schema)) {
    yield schema;
    for (const value of Object.values(schema)) if (typeof value === 'object') yield* nodes(value);
  }
}

/**
 * Pattern and format errors name the rule in words: the contract's schemas give every pattern a `$comment`
 * ("a bucket name of 3 to 63 lowercase letters…"), which reads better than the regular expression.
 */
export function humanErrors(schema: JsonSchema) {
  return (errors: RJSFValidationError[]): RJSFValidationError[] =>
    errors.map((error) => {
      const params = (error.params ?? {}) as { pattern?: string; format?: string };
      let rule: unknown;
      if (error.name === 'pattern' && params.pattern) {
        rule = [...nodes(schema)].find((node) => node.pattern === params.pattern && typeof node.$comment === 'string')?.$comment;
      } else if (error.name === 'format' && params.format) {
        const field = error.property?.split('.').filter(Boolean).at(-1);
        rule = [...nodes(schema)].find((node) => isObject(node.properties) && field && isObject(node.properties[field]))?.properties;
        rule = field && isObject(rule) && isObject(rule[field]) ? rule[field].$comment : undefined;
      }
      return typeof rule === 'string' ? { ...error, message: `must be ${rule}`, stack: `${error.property ?? ''} must be ${rule}`.trim() } : error;
    });
}
