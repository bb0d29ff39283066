/**
 * rjsf's widgets and buttons where the page needs more than they give: a checkbox that shows its
 * effective default, and array buttons whose accessible names say which row they act on.
 */
import { getDefaultRegistry } from '@rjsf/core';
import { buttonId, getUiOptions, type ArrayFieldItemButtonsTemplateProps, type IconButtonProps, type WidgetProps } from '@rjsf/utils';

const defaults = getDefaultRegistry();
const Checkbox = defaults.widgets.CheckboxWidget!;
const { CopyButton, MoveDownButton, MoveUpButton, RemoveButton } = defaults.templates.ButtonTemplates;

/**
 * A boolean left empty shows what it defaults to (path-style URLs: on with a custom endpoint), with a
 * note; the data stays empty until the user ticks or unticks it, so the connector still decides.
 */
export function EffectiveCheckbox(props: WidgetProps) {
  const fallback = getUiOptions(props.uiSchema).effectiveDefault;
  if (props.value !== undefined || typeof fallback !== 'boolean') return <Checkbox {...props} />;
  return (
    <>
      <Checkbox {...props} value={fallback} />
      <div className="muted default-note">Default: {fallback ? 'on' : 'off'}</div>
    </>
  );
}

/** The row's name, e.g. "Size 2", from the item's uiSchema (see uiSchemaFor). */
function rowName(props: ArrayFieldItemButtonsTemplateProps): string {
  const title = props.uiSchema?.['ui:title'];
  return typeof title === 'string' ? title : `item ${(props.fieldPathId.path.at(-1) as number) + 1}`;
}

/** rjsf's item buttons, each with an accessible name: "Remove Size 2", not an unnamed icon. */
export function ArrayItemButtons(props: ArrayFieldItemButtonsTemplateProps) {
  const { disabled, readonly, hasCopy, hasMoveDown, hasMoveUp, hasRemove, fieldPathId, onCopyItem, onRemoveItem, onMoveDownItem, onMoveUpItem, registry, uiSchema } = props;
  const row = rowName(props);
  const off = disabled || readonly;
  const common = { registry, uiSchema };
  return (
    <>
      {(hasMoveUp || hasMoveDown) && (
        <MoveUpButton {...common} id={buttonId(fieldPathId, 'moveUp')} className="rjsf-array-item-move-up" disabled={off || !hasMoveUp} onClick={onMoveUpItem} title={`Move ${row} up`} aria-label={`Move ${row} up`} />
      )}
      {(hasMoveUp || hasMoveDown) && (
        <MoveDownButton {...common} id={buttonId(fieldPathId, 'moveDown')} className="rjsf-array-item-move-down" disabled={off || !hasMoveDown} onClick={onMoveDownItem} title={`Move ${row} down`} aria-label={`Move ${row} down`} />
      )}
      {hasCopy && <CopyButton {...common} id={buttonId(fieldPathId, 'copy')} className="rjsf-array-item-copy" disabled={off} onClick={onCopyItem} title={`Copy ${row}`} aria-label={`Copy ${row}`} />}
      {hasRemove && <RemoveButton {...common} id={buttonId(fieldPathId, 'remove')} className="rjsf-array-item-remove" disabled={off} onClick={onRemoveItem} title={`Remove ${row}`} aria-label={`Remove ${row}`} />}
    </>
  );
}

/** "Add size" rather than an unnamed plus sign; "Add an entry" to an object such as `metadata`. */
export function AddButton(props: IconButtonProps) {
  const item = getUiOptions(props.uiSchema).itemTitle;
  const name = typeof item === 'string' ? `Add ${item.toLowerCase()}` : 'Add an entry';
  return (
    <button type="button" id={props.id} className={`btn btn-add ${props.className ?? ''}`} onClick={props.onClick} disabled={props.disabled} aria-label={name} title={name}>
      + {name}
    </button>
  );
}
