/** The connector's triggers, listed beside its actions in step 1. */
import type { TriggerInfo } from '../api-types.js';

export function TriggerPicker(props: { triggers: TriggerInfo[]; icon: string | null; selected: string | undefined; onSelect(id: string): void }) {
  const { triggers, icon, selected, onSelect } = props;
  if (triggers.length === 0) return null;
  return (
    <div className="action-group" role="group" aria-label="Triggers">
      <h3>Triggers</h3>
      <div className="action-grid">
        {triggers.map((trigger) => (
          <button key={trigger.id} type="button" className="action" aria-pressed={trigger.id === selected} onClick={() => onSelect(trigger.id)}>
            {icon && <img src={icon} alt="" width={28} height={28} />}
            <span>
              <strong>{trigger.name}</strong>
              <span className="muted">{trigger.description}</span>
            </span>
          </button>
        ))}
      </div>
    </div>
  );
}
