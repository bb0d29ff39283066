/** Step 1: the connector's actions, grouped as the manifest groups them, searchable by any word. */
import { useMemo, useState, type ReactNode } from 'react';
import type { ActionInfo } from '../api-types.js';
import { HookButton } from './Hook.js';

const UNGROUPED = 'Other actions';

function matches(action: ActionInfo, words: string[]): boolean {
  const text = `${action.name} ${action.description} ${action.id} ${action.group ?? ''}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

export function ActionPicker(props: { actions: ActionInfo[]; icon: string | null; selected: string | undefined; onSelect(id: string): void; children?: ReactNode }) {
  const { actions, icon, selected, onSelect, children } = props;
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const byGroup = new Map<string, ActionInfo[]>();
    for (const action of actions) {
      if (!matches(action, words)) continue;
      const group = action.group ?? UNGROUPED;
      byGroup.set(group, [...(byGroup.get(group) ?? []), action]);
    }
    return [...byGroup];
  }, [actions, query]);
  return (
    <section className="card" aria-labelledby="step-action">
      <h2 id="step-action">
        <span className="step">1</span> Choose an action
      </h2>
      <input
        type="search"
        className="search"
        placeholder="Search actions"
        aria-label="Search actions"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      {groups.length === 0 && <p className="muted">No action matches “{query}”.</p>}
      {groups.map(([group, members]) => (
        <div key={group} className="action-group" role="group" aria-label={group}>
          <h3>{group}</h3>
          <div className="action-grid">
            {members.map((action) => (
              <HookButton key={action.id} hook={action} icon={icon} pressed={action.id === selected} onClick={() => onSelect(action.id)} />
            ))}
          </div>
        </div>
      ))}
      {children}
    </section>
  );
}
