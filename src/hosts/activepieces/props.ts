/**
 * JSON Schema → Activepieces properties, as one table: a row per field kind (see ../shared/fields.ts), and
 * a dropdown for a field the connector suggests for. Activepieces has no conditional or collapsed fields,
 * so "exactly one of" members are all optional (the connector's validation names the one missing) and
 * advanced fields come last, marked as such.
 */
import { PieceAuth, Property } from '@activepieces/pieces-framework';
import type { Contract, JsonSchema, Operation } from '../shared/contract.js';
import { fieldsOf, inputFields, type Field, type FieldKind } from '../shared/fields.js';
import { suggestOptions } from './suggest.js';

type Props = Record<string, ReturnType<(typeof Property)[keyof typeof Property]>>;
type AuthProps = Parameters<typeof PieceAuth.CustomAuth>[0]['props'];

/** Bounds and "exactly one of" and "advanced" said in words, since Activepieces has no place for them. */
function describe(field: Field): string {
  const bounds = field.minimum !== undefined && field.maximum !== undefined ? ` (${field.minimum} to ${field.maximum})` : '';
  const prefix = field.advanced ? 'Advanced. ' : '';
  return `${prefix}${field.description ?? ''}${bounds}`.trim();
}

/** The settings every property has; `T` is the property's value type, which the schema's default has. */
function common<T = string>(field: Field): { displayName: string; description: string; required: boolean; defaultValue?: T } {
  return {
    displayName: field.title,
    description: describe(field),
    required: field.required && !field.exclusive,
    ...(field.default === undefined ? {} : { defaultValue: field.default as T }),
  };
}

const options = (field: Field) => ({ options: field.choices!.map((c) => ({ label: c.label, value: c.value })) });
const onOff = { options: [{ label: 'On', value: 'true' }, { label: 'Off', value: 'false' }] };

/** The table: one row per kind of field. */
export const ACTIVEPIECES_PROPERTY: Record<FieldKind, (field: Field) => Props[string]> = {
  string: (field) => Property.ShortText(common(field)),
  text: (field) => Property.LongText(common(field)),
  secret: (field) => Property.ShortText(common(field)),
  choice: (field) => Property.StaticDropdown({ ...common(field), options: options(field) }),
  switch: (field) => Property.StaticDropdown({ ...common(field), options: onOff }),
  boolean: (field) => Property.Checkbox(common<boolean>(field)),
  integer: (field) => Property.Number(common<number>(field)),
  number: (field) => Property.Number(common<number>(field)),
  list: (field) => Property.Array(common<unknown[]>(field)),
  json: (field) => Property.Json(common<Record<string, unknown>>(field)),
  file: (field) => Property.File(common<never>(field)),
};

/**
 * A suggested field: a dropdown whose options the connector gives for what is typed in its search box. The
 * user can still map a value from an earlier step, as into any prop.
 */
function dropdown(contract: Contract, operation: Operation, field: Field): Props[string] {
  return Property.Dropdown<string, boolean, undefined>({
    ...common(field),
    auth: undefined,
    // Activepieces refreshes a dropdown's options when the connection changes, and here on each search.
    refreshers: [],
    refreshOnSearch: true,
    options: suggestOptions(contract, operation, field),
  });
}

/** The props of one action or trigger, basic fields first, then advanced ones, each in the schema's order. */
export function operationProps(contract: Contract, operation: Operation): Props {
  const fields = inputFields(operation);
  const ordered = [...fields.filter((f) => !f.advanced), ...fields.filter((f) => f.advanced)];
  return Object.fromEntries(ordered.map((field) => [field.name, field.suggest ? dropdown(contract, operation, field) : ACTIVEPIECES_PROPERTY[field.kind](field)]));
}

/**
 * The custom auth form accepts fewer kinds: the same rows for text, choices, booleans and numbers; secrets
 * become SecretText, and anything structured is JSON typed as text.
 */
const AUTH_PROPERTY: Partial<Record<FieldKind, (field: Field) => AuthProps[string]>> = {
  ...(Object.fromEntries((['string', 'text', 'choice', 'switch', 'boolean', 'integer', 'number'] as const).map((kind) => [kind, ACTIVEPIECES_PROPERTY[kind]])) as Partial<
    Record<FieldKind, (field: Field) => AuthProps[string]>
  >),
  secret: (field) => PieceAuth.SecretText(common(field)),
  json: (field) => Property.LongText(common(field)),
  list: (field) => Property.LongText(common(field)),
};

export function authProps(connection: JsonSchema): AuthProps {
  return Object.fromEntries(fieldsOf(connection).map((field) => [field.name, (AUTH_PROPERTY[field.kind] ?? ACTIVEPIECES_PROPERTY.string)(field) as AuthProps[string]]));
}
