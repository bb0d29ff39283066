/**
 * A field named in the action's `suggest` map (contract 1.2, section 6): a text input that is also a
 * searchable list of the folders and keys under what is typed, from the connector's suggest hook.
 * Choosing a folder opens it; choosing a key fills the field. Keyboard: arrows, Enter, Escape.
 */
import { getUiOptions, type WidgetProps } from '@rjsf/utils';
import { useEffect, useRef, useState } from 'react';
import type { SuggestResultView } from '../api-types.js';
import { api, asApiError } from './api.js';

/** What the picker needs from the form around it (rjsf's formContext). */
export interface PickerContext {
  action?: string;
  /** The saved connection to list with; without one the field is plain text. */
  connection?: string;
  /** The form's data so far, passed to the hook as `input`. */
  input?: unknown;
}

/** Wait this long after the last keystroke before asking: the host calls suggest per pause, not per key. */
const DEBOUNCE_MS = 150;

type Option = SuggestResultView['options'][number];

export function KeyPicker(props: WidgetProps) {
  const { id, value, onChange, disabled, readonly, placeholder, label, registry, uiSchema, onBlur, onFocus } = props;
  const context = (registry.formContext ?? {}) as PickerContext;
  const field = getUiOptions(uiSchema).field;
  const query = typeof value === 'string' ? value : '';
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<Option[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [active, setActive] = useState(-1);
  const list = useRef<HTMLUListElement>(null);
  const usable = Boolean(context.connection && context.action && typeof field === 'string');

  const ask = async (more?: string): Promise<SuggestResultView> =>
    api.suggest({ action: context.action!, field: field as string, connection: context.connection!, input: context.input, query, ...(more ? { cursor: more } : {}) });

  useEffect(() => {
    if (!open || !usable) return;
    let stopped = false;
    setLoading(true);
    const timer = setTimeout(() => {
      ask().then(
        (result) => {
          if (stopped) return;
          setOptions(result.options);
          setCursor(result.cursor);
          setProblem(undefined);
          setActive(-1);
          setLoading(false);
        },
        (failure: unknown) => {
          if (stopped) return;
          setOptions([]);
          setCursor(undefined);
          setProblem(asApiError(failure).message);
          setLoading(false);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // `ask` reads the latest query and context; these are what change its answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, query, usable, context.connection]);

  const more = async () => {
    if (!cursor) return;
    try {
      const result = await ask(cursor);
      setOptions((shown) => [...shown, ...result.options]);
      setCursor(result.cursor);
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };

  const choose = (option: Option) => {
    onChange(option.value);
    // A folder opens: its contents are the next choices.
    setOpen(option.value.endsWith('/'));
  };

  useEffect(() => {
    if (active >= 0) list.current?.children[active]?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const listId = `${id}__choices`;
  return (
    <div className="picker">
      <input
        id={id}
        className="form-control"
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open && usable}
        aria-controls={listId}
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined}
        autoComplete="off"
        spellCheck={false}
        value={query}
        placeholder={typeof placeholder === 'string' && placeholder ? placeholder : usable ? 'Type to search, or pick below' : undefined}
        disabled={disabled || readonly}
        onChange={(event) => {
          onChange(event.target.value === '' ? undefined : event.target.value);
          setOpen(true);
        }}
        onFocus={() => {
          setOpen(true);
          onFocus(id, value);
        }}
        onBlur={() => {
          // After a click on an option, which lands on the list first.
          setTimeout(() => setOpen(false), 150);
          onBlur(id, value);
        }}
        onKeyDown={(event) => {
          if (!open || !usable) return;
          if (event.key === 'ArrowDown') setActive((i) => Math.min(i + 1, options.length - 1));
          else if (event.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
          else if (event.key === 'Escape') setOpen(false);
          else if (event.key === 'Enter' && active >= 0 && options[active]) choose(options[active]!);
          else return;
          event.preventDefault();
        }}
      />
      {open && usable && (
        <div className="picker-popup">
          <ul id={listId} ref={list} role="listbox" aria-label={`Choices for ${label}`}>
            {options.map((option, i) => (
              <li
                key={option.value}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={option.value.endsWith('/') ? 'folder' : 'key'}
                onMouseDown={(event) => {
                  event.preventDefault();
                  choose(option);
                }}
              >
                <span className="picker-label">{option.label}</span>
                {option.description && <span className="muted">{option.description}</span>}
              </li>
            ))}
          </ul>
          {options.length === 0 && !loading && !problem && <p className="muted picker-empty">Nothing under “{query}”.</p>}
          {problem && <p className="error-detail">{problem}</p>}
          {cursor && (
            <button type="button" className="secondary picker-more" onMouseDown={(event) => event.preventDefault()} onClick={() => void more()}>
              More…
            </button>
          )}
        </div>
      )}
    </div>
  );
}
