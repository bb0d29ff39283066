/**
 * react-jsonschema-form set up for the contract's schemas: fields ordered by x-order, secrets as password
 * inputs, x-enumNames as option labels, x-group fields in collapsed sections, and errors shown inline.
 */
import Form from '@rjsf/core';
import { buttonId, canExpand, getTemplate, getUiOptions, type FieldProps, type ObjectFieldTemplateProps, type RJSFSchema } from '@rjsf/utils';
import { forwardRef, useMemo, useState, type ReactNode } from 'react';
import type { JsonSchema } from '../api-types.js';
import { effectiveDefaults } from '../../core/fields.js';
import { KeyPicker, type PickerContext } from './KeyPicker.js';
import { formSchema, humanErrors, JSON_FIELD, KEY_PICKER, uiSchemaFor, validator, type UiOptions } from './schema-form.js';
import { AddButton, ArrayItemButtons, EffectiveCheckbox } from './widgets.js';

const GROUP_TITLES: Record<string, string> = { advanced: 'Advanced settings' };

function groupTitle(group: string): string {
  return GROUP_TITLES[group] ?? group.charAt(0).toUpperCase() + group.slice(1);
}

/** Whether an rjsf error schema (a tree of `__errors` lists) holds any error. */
function hasErrors(errorSchema: unknown): boolean {
  if (errorSchema === null || typeof errorSchema !== 'object') return false;
  return Object.entries(errorSchema).some(([key, value]) => (key === '__errors' ? Array.isArray(value) && value.length > 0 : hasErrors(value)));
}

/** Properties without x-group first, then one collapsed <details> per group; a group with an error opens. */
function GroupedObjectFieldTemplate(props: ObjectFieldTemplateProps) {
  const { properties, schema, fieldPathId, errorSchema, registry, uiSchema, title, description, required, formData, onAddProperty, disabled, readonly } = props;
  const schemaProperties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const root = fieldPathId.path.length === 0;
  const groups = new Map<string, ReactNode[]>();
  const plain: ReactNode[] = [];
  const open = new Set<string>();
  for (const property of properties) {
    if (property.hidden) continue;
    const group = schemaProperties[property.name]?.['x-group'];
    if (typeof group !== 'string') {
      plain.push(property.content);
      continue;
    }
    groups.set(group, [...(groups.get(group) ?? []), property.content]);
    if (hasErrors((errorSchema as Record<string, unknown> | undefined)?.[property.name])) open.add(group);
  }
  const options = getUiOptions(uiSchema);
  const TitleFieldTemplate = getTemplate('TitleFieldTemplate', registry, options);
  const DescriptionFieldTemplate = getTemplate('DescriptionFieldTemplate', registry, options);
  const { AddButton } = registry.templates.ButtonTemplates;
  return (
    <fieldset id={fieldPathId.$id} className="object">
      {!root && title && <TitleFieldTemplate id={`${fieldPathId.$id}__title`} title={title} required={required} schema={schema} uiSchema={uiSchema} registry={registry} />}
      {!root && description && <DescriptionFieldTemplate id={`${fieldPathId.$id}__description`} description={description} schema={schema} uiSchema={uiSchema} registry={registry} />}
      {plain}
      {[...groups].map(([group, contents]) => (
        <details key={group} className="field-group" open={open.has(group)}>
          <summary>
            {groupTitle(group)} <span className="muted">({contents.length})</span>
          </summary>
          {contents}
        </details>
      ))}
      {canExpand(schema, uiSchema, formData) && (
        <AddButton id={buttonId(fieldPathId, 'add')} className="rjsf-object-property-expand" onClick={onAddProperty} disabled={disabled || readonly} uiSchema={uiSchema} registry={registry} />
      )}
    </fieldset>
  );
}

/** `x-widget: "code"` on any JSON value: the value as JSON text, parsed as the user types. */
function JsonCodeField({ formData, onChange, fieldPathId, disabled, readonly, uiSchema, schema, name, required }: FieldProps) {
  const [text, setText] = useState(() => (formData === undefined ? '' : JSON.stringify(formData, null, 2)));
  const [problem, setProblem] = useState<string | undefined>();
  const placeholder = getUiOptions(uiSchema).placeholder;
  // rjsf shows no label for a custom field: it is this field's to show.
  return (
    <>
      <label className="control-label" htmlFor={fieldPathId.$id}>
        {schema.title ?? name}
        {required && <span className="required">*</span>}
      </label>
      {schema.description && <div className="field-description">{schema.description}</div>}
      <textarea
        id={fieldPathId.$id}
        className="form-control code"
        rows={5}
        spellCheck={false}
        value={text}
        placeholder={typeof placeholder === 'string' ? placeholder : undefined}
        disabled={disabled || readonly}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          if (next.trim() === '') {
            setProblem(undefined);
            onChange(undefined, fieldPathId.path);
            return;
          }
          try {
            onChange(JSON.parse(next) as unknown, fieldPathId.path);
            setProblem(undefined);
          } catch (error) {
            // Nothing half-parsed goes into the data: the field is empty until the JSON is whole.
            onChange(undefined, fieldPathId.path);
            setProblem(`Not valid JSON: ${(error as Error).message}`);
          }
        }}
      />
      {problem && <div className="error-detail">{problem}</div>}
    </>
  );
}

const FIELDS = { [JSON_FIELD]: JsonCodeField };
const WIDGETS = { [KEY_PICKER]: KeyPicker, CheckboxWidget: EffectiveCheckbox };
const TEMPLATES = {
  ObjectFieldTemplate: GroupedObjectFieldTemplate,
  ArrayFieldItemButtonsTemplate: ArrayItemButtons,
  ButtonTemplates: { AddButton },
};

export interface SchemaFormProps extends Omit<UiOptions, 'effective'> {
  /** Prefixes the inputs' ids, so two forms on the page never share one. */
  id: string;
  schema: JsonSchema;
  formData: unknown;
  onChange(formData: unknown): void;
  onSubmit?(formData: unknown): void;
  disabled?: boolean;
  /** For the key picker: the action and the saved connection its suggestions list with. */
  picker?: Omit<PickerContext, 'input'>;
  /** The form's buttons: a submit button here submits with validated data (rjsf renders none of its own). */
  children: ReactNode;
}

/** Effective defaults of the fields still empty, where the schema's own default (which rjsf fills in) is not it. */
function effectiveOf(schema: JsonSchema, rendered: RJSFSchema, formData: unknown): Record<string, unknown> {
  const data = (formData ?? {}) as Record<string, unknown>;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const all = effectiveDefaults(schema, data, (fragment, value) => validator.isValid(fragment as RJSFSchema, value, rendered));
  return Object.fromEntries(Object.entries(all).filter(([name, value]) => data[name] === undefined && properties[name]?.default !== value));
}

export const SchemaForm = forwardRef<Form, SchemaFormProps>(function SchemaForm(props, ref) {
  const { id, schema, formData, onChange, onSubmit, disabled, children, savedSecrets, suggest, picker } = props;
  const base = useMemo(() => ({ ...(savedSecrets ? { savedSecrets } : {}), ...(suggest ? { suggest } : {}) }), [savedSecrets, suggest]);
  const rendered = useMemo(() => formSchema(schema, base) as RJSFSchema, [schema, base]);
  const effective = effectiveOf(schema, rendered, formData);
  const effectiveKey = JSON.stringify(effective);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const uiSchema = useMemo(() => uiSchemaFor(schema, { ...base, effective }), [schema, base, effectiveKey]);
  const formContext = useMemo(() => ({ ...picker, input: formData }), [picker, formData]);
  const transformErrors = useMemo(() => humanErrors(schema), [schema]);
  // Errors show once the user first tries (Run, Test, Save), then follow every change: no field is
  // flagged before it is filled, and no blur re-validates the form under the pointer mid-click.
  const [tried, setTried] = useState(false);
  return (
    <Form
      ref={ref}
      idPrefix={id}
      schema={rendered}
      uiSchema={uiSchema}
      formData={formData}
      validator={validator}
      templates={TEMPLATES}
      fields={FIELDS}
      widgets={WIDGETS}
      formContext={formContext}
      transformErrors={transformErrors}
      showErrorList={false}
      {...(tried ? { liveValidate: 'onChange' as const } : {})}
      onError={() => setTried(true)}
      // No empty {} for an optional object (a FileRef, say), nor empty items for an optional array with
      // minItems: either would then fail its own rules although the user left the field alone.
      experimental_defaultFormStateBehavior={{ emptyObjectFields: 'skipEmptyDefaults', arrayMinItems: { populate: 'requiredOnly' } }}
      noHtml5Validate
      focusOnFirstError
      disabled={disabled}
      onChange={(event) => onChange(event.formData)}
      onSubmit={(event) => onSubmit?.(event.formData)}
    >
      {children}
    </Form>
  );
});
