/** The connector's triggers, listed beside its actions in step 1. */
import type { TriggerInfo } from '../api-types.js';
import { HookButton } from './Hook.js';

export function TriggerPicker(props: { triggers: TriggerInfo[]; icon: string | null; selected: string | undefined; onSelect(id: string): void }) {
  const { triggers, icon, selected, onSelect } = props;
  if (triggers.length === 0) return null;
  return (
    <div className="action-group" role="group" aria-label="Triggers">
      <h3>Triggers</h3>
      <div className="action-grid">
        {triggers.map((trigger) => (
          <HookButton key={trigger.id} hook={trigger} icon={icon} pressed={trigger.id === selected} onClick={() => onSelect(trigger.id)} />
        ))}
      </div>
    </div>
  );
}
