/**
 * JSON Schema → Activepieces properties, as one table: a row per field kind (see ../shared/fields.ts).
 * Activepieces has no conditional or collapsed fields, so "exactly one of" members are all optional
 * (the connector's validation names the one missing) and advanced fields come last, marked as such.
 */
import { PieceAuth, Property } from '@activepieces/pieces-framework';
import type { JsonSchema } from '../shared/contract.js';
import { fieldsOf, type Field, type FieldKind } from '../shared/fields.js';

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

/** The props of one action, basic fields first, then advanced ones, each in the schema's order. */
export function actionProps(input: JsonSchema): Props {
  const fields = fieldsOf(input);
  const ordered = [...fields.filter((f) => !f.advanced), ...fields.filter((f) => f.advanced)];
  return Object.fromEntries(ordered.map((field) => [field.name, ACTIVEPIECES_PROPERTY[field.kind](field)]));
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
