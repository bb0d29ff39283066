/**
 * JSON Schema → Node-RED, as one table: a row per field kind (see ../shared/fields.ts), saying which
 * TypedInput types a field accepts in the action node's editor, and which input a connection field gets in
 * the config node's form. The runtime and the editor (built into the package's .html) share these.
 */
import type { Contract, JsonSchema, Operation } from '../shared/contract.js';
import { fieldsOf, inputFields, type Field, type FieldKind } from '../shared/fields.js';

/** Where a value may come from, as Node-RED's TypedInput names its types. */
const FROM_CONTEXT = ['msg', 'flow', 'global', 'env'];

export interface NodeRedRow {
  /** The TypedInput types of an action's field; the first is the default. */
  types: string[];
  /** The config node's form input for a connection field. */
  input: 'text' | 'password' | 'select' | 'checkbox' | 'number' | 'textarea';
}

/** The table: one row per kind of field. */
export const NODE_RED_FIELD: Record<FieldKind, NodeRedRow> = {
  string: { types: ['str', ...FROM_CONTEXT], input: 'text' },
  text: { types: ['str', ...FROM_CONTEXT], input: 'textarea' },
  secret: { types: ['cred', ...FROM_CONTEXT], input: 'password' },
  choice: { types: ['choice', ...FROM_CONTEXT], input: 'select' },
  switch: { types: ['choice', ...FROM_CONTEXT], input: 'select' },
  boolean: { types: ['bool', ...FROM_CONTEXT], input: 'checkbox' },
  integer: { types: ['num', ...FROM_CONTEXT], input: 'number' },
  number: { types: ['num', ...FROM_CONTEXT], input: 'number' },
  list: { types: ['json', ...FROM_CONTEXT], input: 'textarea' },
  json: { types: ['json', ...FROM_CONTEXT], input: 'textarea' },
  // Binary data arrives in the message, as a Buffer (msg.payload by default).
  file: { types: ['msg', 'flow', 'global'], input: 'text' },
};

/** A switch's choices: a boolean whose "not set" means "decide for me". */
const SWITCH_CHOICES = [
  { value: '', label: 'Automatic' },
  { value: 'true', label: 'On' },
  { value: 'false', label: 'Off' },
];

export interface FieldDefinition extends Field {
  types: string[];
  input: NodeRedRow['input'];
}

function define(field: Field): FieldDefinition {
  const row = NODE_RED_FIELD[field.kind];
  return { ...field, ...row, ...(field.kind === 'switch' ? { choices: SWITCH_CHOICES } : {}) };
}

/** A connection schema's fields. */
export function fieldDefinitions(schema: JsonSchema): FieldDefinition[] {
  return fieldsOf(schema).map(define);
}

/** An action's fields, with their suggestions. */
export function operationFields(operation: Operation): FieldDefinition[] {
  return inputFields(operation).map(define);
}

/** A trigger's fields: no message starts a poll, so no value comes from `msg`. */
export function triggerFields(operation: Operation): FieldDefinition[] {
  return operationFields(operation).map((field) => ({ ...field, types: field.types.filter((type) => type !== 'msg') }));
}

/**
 * The node types' names, from the manifest's id: the action node `amazon-s3`, its config node
 * `amazon-s3-connection` and the trigger node `amazon-s3-trigger`.
 */
export function typeNames(contract: Contract) {
  const id = contract.manifest.id;
  return { action: id, connection: `${id}-connection`, trigger: `${id}-trigger` };
}

/** The admin endpoint the editor asks for suggestions (relative to Node-RED's admin root). */
export function suggestPath(contract: Contract): string {
  return `${typeNames(contract).action}/suggest`;
}

/** A trigger's polling interval in seconds: the node's, never below the trigger's minimum; a minute when unset. */
export const DEFAULT_INTERVAL_SECONDS = 60;

/** Everything the editor needs, as JSON embedded in the package's .html. */
export function editorDefinitions(contract: Contract) {
  const { manifest } = contract;
  return {
    types: typeNames(contract),
    name: manifest.name,
    description: manifest.description,
    icon: manifest.icon.split('/').pop()!,
    connection: fieldDefinitions(contract.connection),
    suggestPath: suggestPath(contract),
    actions: contract.actions.map((a) => ({ id: a.id, name: a.name, description: a.description, ...(a.group ? { group: a.group } : {}), fields: operationFields(a) })),
    triggers: contract.triggers.map((t) => ({
      id: t.id,
      name: t.name,
      description: t.description,
      ...(t.group ? { group: t.group } : {}),
      minIntervalSeconds: t.minIntervalSeconds,
      fields: triggerFields(t),
    })),
    defaultIntervalSeconds: DEFAULT_INTERVAL_SECONDS,
  };
}
