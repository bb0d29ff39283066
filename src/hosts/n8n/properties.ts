/**
 * JSON Schema → n8n node properties, as one table: a row per field kind (see ../shared/fields.ts), and a
 * resource locator for a field the connector suggests for. Everything else here places those properties:
 * an operation (or trigger) selector, `displayOptions` per operation, a choice for "exactly one of"
 * groups, and a collection for the advanced group.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import type { JsonSchema, Operation, SuggestKind } from '../shared/contract.js';
import { fieldsOf, fileOutputs, inputFields, type Field, type FieldKind } from '../shared/fields.js';

/** The action node's operation selector, n8n's own convention. */
export const OPERATION = 'operation';
/** The trigger node's selector, as n8n's trigger nodes name it. */
export const EVENT = 'event';
/** The collection that holds an operation's advanced fields. */
export const ADVANCED = 'advanced';
/** The choice among a `oneOf` group's fields ("exactly one of text, base64, json or file"). */
export const ONE_OF = 'oneOf';
/** Where an operation puts the binary data it produced (a file output, e.g. get as file). */
export const OUTPUT_BINARY = 'binaryPropertyOutput';
/** n8n's conventional binary property name. */
const DEFAULT_BINARY = 'data';

type Row = (field: Field) => Pick<INodeProperties, 'type' | 'default'> & Partial<INodeProperties>;

const text = (field: Field) => ({ type: 'string' as const, default: (field.default as string | undefined) ?? '' });

/** The table: one row per kind of field. */
export const N8N_PROPERTY: Record<FieldKind, Row> = {
  string: text,
  text: (field) => ({ ...text(field), typeOptions: { rows: 4 } }),
  secret: (field) => ({ ...text(field), typeOptions: { password: true } }),
  choice: (field) => ({
    type: 'options',
    default: (field.default as string | undefined) ?? (field.required ? field.choices![0]!.value : ''),
    options: [
      ...(field.required || field.default !== undefined ? [] : [{ name: '(Not Set)', value: '' }]),
      ...field.choices!.map((c): INodePropertyOptions => ({ name: c.label, value: c.value })),
    ],
  }),
  // A boolean without a default means "decide for me" when unset (forcePathStyle): three states, not two.
  switch: () => ({
    type: 'options',
    default: '',
    options: [
      { name: 'Automatic', value: '' },
      { name: 'On', value: 'true' },
      { name: 'Off', value: 'false' },
    ],
  }),
  boolean: (field) => ({ type: 'boolean', default: field.default === true }),
  integer: (field) => ({ type: 'number', default: (field.default as number | undefined) ?? null, typeOptions: bounds(field, 0) }),
  number: (field) => ({ type: 'number', default: (field.default as number | undefined) ?? null, typeOptions: bounds(field) }),
  list: (field) => ({ type: 'string', default: (field.default as string[] | undefined) ?? [], typeOptions: { multipleValues: true } }),
  json: (field) => ({ type: 'json', default: field.default === undefined ? '' : JSON.stringify(field.default, null, 2) }),
  // The input is n8n binary data: the name of the item's binary property that holds it.
  file: () => ({
    type: 'string',
    default: DEFAULT_BINARY,
    hint: 'The name of the input binary field holding the file',
    typeOptions: { binaryDataProperty: true },
  }),
};

function bounds(field: Field, numberPrecision?: number): INodeProperties['typeOptions'] {
  return {
    ...(field.minimum === undefined ? {} : { minValue: field.minimum }),
    ...(field.maximum === undefined ? {} : { maxValue: field.maximum }),
    ...(numberPrecision === undefined ? {} : { numberPrecision }),
  };
}

/** The `methods.listSearch` entry behind a suggested field's "From list" mode, one per field name. */
export function searchMethod(field: string): string {
  return `suggest${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}

const TYPED_MODE: Record<SuggestKind, { displayName: string; list: string }> = {
  key: { displayName: 'By Key', list: 'Choose an object…' },
  image: { displayName: 'By Key', list: 'Choose an image…' },
  prefix: { displayName: 'By Prefix', list: 'Choose a folder…' },
};

/**
 * A field the connector suggests for: n8n's resource locator, "From list" searching the bucket through
 * `suggest` as the user types (filter → query, paginationToken → cursor), or the key typed ("By Key").
 * Its value is `{ __rl, mode, value }`; the node reads `value` back (locatorValue).
 */
function locator(field: Field, kind: SuggestKind): ReturnType<Row> {
  const typed = field.example === undefined || typeof field.example === 'object' ? {} : { placeholder: String(field.example) };
  return {
    type: 'resourceLocator',
    default: { mode: 'list', value: (field.default as string | undefined) ?? '' },
    modes: [
      { displayName: 'From List', name: 'list', type: 'list', placeholder: TYPED_MODE[kind].list, typeOptions: { searchListMethod: searchMethod(field.name), searchable: true } },
      { displayName: TYPED_MODE[kind].displayName, name: 'id', type: 'string', ...typed },
    ],
  };
}

/** A parameter's value as the input wants it: a resource locator's `value`, anything else as it is. */
export function locatorValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null && '__rl' in value ? (value as { value?: unknown }).value : value;
}

/** One field as an n8n property. */
export function toProperty(field: Field): INodeProperties {
  const row = field.suggest ? locator(field, field.suggest) : N8N_PROPERTY[field.kind](field);
  return {
    displayName: field.title,
    name: field.name,
    ...(field.description === undefined ? {} : { description: field.description }),
    ...(field.example === undefined || typeof field.example === 'object' ? {} : { placeholder: String(field.example) }),
    ...(field.required || field.exclusive ? { required: true } : {}),
    ...row,
  };
}

/** Where each field of an operation goes: top level, or the advanced collection. */
export function isAdvanced(field: Field): boolean {
  return field.advanced && !field.required && !field.exclusive;
}

/** An operation's own properties, each shown only when `selector` names that operation. */
export function operationProperties(operation: Operation, selector = OPERATION): INodeProperties[] {
  const show = { [selector]: [operation.id] };
  const fields = inputFields(operation);
  const exclusive = fields.filter((f) => f.exclusive);
  const properties: INodeProperties[] = [];
  if (exclusive.length > 0) {
    properties.push({
      displayName: `${exclusive.map((f) => f.title).join(', ').replace(/, ([^,]*)$/, ' or $1')}`,
      name: ONE_OF,
      type: 'options',
      noDataExpression: true,
      default: exclusive[0]!.name,
      description: 'Give exactly one of these',
      options: exclusive.map((f) => ({ name: f.title, value: f.name, ...(f.description ? { description: f.description } : {}) })),
      displayOptions: { show },
    });
  }
  for (const field of fields.filter((f) => !isAdvanced(f))) {
    const onlyWhenChosen = field.exclusive ? { [ONE_OF]: [field.name] } : {};
    properties.push({ ...toProperty(field), displayOptions: { show: { ...show, ...onlyWhenChosen } } });
  }
  if (fileOutputs(operation.output).length > 0) {
    properties.push({
      displayName: 'Put Output File in Field',
      name: OUTPUT_BINARY,
      type: 'string',
      default: DEFAULT_BINARY,
      hint: 'The name of the output binary field to put the file in',
      description: 'When the operation returns a file, it goes to this binary field of the output item',
      displayOptions: { show },
    });
  }
  const advanced = fields.filter(isAdvanced);
  if (advanced.length > 0) {
    properties.push({
      displayName: 'Options',
      name: ADVANCED,
      type: 'collection',
      placeholder: 'Add option',
      default: {},
      options: advanced.map(toProperty),
      displayOptions: { show },
    });
  }
  return properties;
}

/** The selector (OPERATION for actions, EVENT for triggers) and every operation's properties. */
export function nodeProperties(operations: Operation[], selector = OPERATION): INodeProperties[] {
  return [
    {
      displayName: selector === EVENT ? 'Trigger On' : 'Operation',
      name: selector,
      type: 'options',
      noDataExpression: true,
      default: operations[0]?.id ?? '',
      options: operations.map((op) => ({ name: op.name, value: op.id, description: op.description, action: op.name })),
    },
    ...operations.flatMap((operation) => operationProperties(operation, selector)),
  ];
}

/**
 * A credential type's properties: every connection field at the top level (credentials have no
 * collections), the advanced ones after a notice, in the schema's order.
 */
export function credentialProperties(connection: JsonSchema): INodeProperties[] {
  const fields = fieldsOf(connection);
  const basic = fields.filter((f) => !f.advanced || f.required).map(toProperty);
  const advanced = fields.filter((f) => f.advanced && !f.required).map(toProperty);
  if (advanced.length === 0) return basic;
  return [...basic, { displayName: 'Advanced: leave these empty unless you need them', name: 'advancedNotice', type: 'notice', default: '' }, ...advanced];
}
