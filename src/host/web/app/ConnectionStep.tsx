/**
 * Step 2: pick a saved connection by its label, or turn on "Create new connection" and fill the form rendered
 * from the connection schema. Saved secrets never come back: editing shows "saved — leave empty to keep".
 */
import type Form from '@rjsf/core';
import { useRef, useState } from 'react';
import type { ApiError, ConnectionView, ConnectorInfo, TestResultView } from '../api-types.js';
import { api, asApiError } from './api.js';
import { ErrorBox, TestOutcome } from './Outcome.js';
import { SchemaForm } from './SchemaForm.js';

type Mode = { kind: 'pick' } | { kind: 'create' } | { kind: 'edit'; connection: ConnectionView };

export interface ConnectionStepProps {
  connector: ConnectorInfo;
  connections: ConnectionView[];
  selected: ConnectionView | undefined;
  onSelect(id: string | undefined): void;
  /** After a save or a delete: reload the list and select `id`. */
  onSaved(id: string | undefined): Promise<void>;
}

export function ConnectionStep({ connector, connections, selected, onSelect, onSaved }: ConnectionStepProps) {
  const [mode, setMode] = useState<Mode>({ kind: 'pick' });
  const [formData, setFormData] = useState<Record<string, unknown>>({});
  const [test, setTest] = useState<TestResultView | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState<'test' | 'save' | 'delete' | undefined>();
  /** What the last save or delete did, said until the next step. */
  const [notice, setNotice] = useState<string | undefined>();
  const form = useRef<Form>(null);

  const reset = (next: Mode, data: Record<string, unknown> = {}) => {
    setMode(next);
    setFormData(data);
    setTest(undefined);
    setError(undefined);
  };

  const attempt = async (what: 'test' | 'save' | 'delete', work: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    setNotice(undefined);
    try {
      await work();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const editing = mode.kind === 'edit' ? mode.connection : undefined;
  const formOpen = mode.kind !== 'pick';

  const runTest = () =>
    attempt('test', async () => {
      setTest(undefined);
      if (formOpen && !form.current?.validateForm()) return;
      const request = formOpen ? { ...(editing ? { id: editing.id } : {}), values: formData } : { id: selected?.id ?? '' };
      setTest(await api.testConnection(request));
    });

  const save = () =>
    attempt('save', async () => {
      if (!form.current?.validateForm()) return;
      const saved = editing ? await api.updateConnection(editing.id, formData) : await api.createConnection(formData);
      await onSaved(saved.id);
      reset({ kind: 'pick' });
      setNotice(`Saved “${saved.label}”. It is selected, and kept for the CLI too.`);
    });

  const remove = (connection: ConnectionView) =>
    attempt('delete', async () => {
      if (!window.confirm(`Delete the saved connection “${connection.label}”?`)) return;
      await api.deleteConnection(connection.id);
      await onSaved(undefined);
      reset({ kind: 'pick' });
      setNotice(`Deleted “${connection.label}”.`);
    });

  return (
    <section className="card" aria-labelledby="step-connection">
      <h2 id="step-connection">
        <span className="step">2</span> Connection
      </h2>
      <div className="row">
        <div className="field">
          <label htmlFor="saved-connection">Saved connection</label>
          <select
            id="saved-connection"
            value={selected?.id ?? ''}
            disabled={formOpen || connections.length === 0}
            onChange={(event) => {
              onSelect(event.target.value || undefined);
              setTest(undefined);
              setNotice(undefined);
            }}
          >
            {connections.length === 0 && <option value="">No saved connection yet</option>}
            {connections.map((connection) => (
              <option key={connection.id} value={connection.id}>
                {connection.label}
              </option>
            ))}
          </select>
        </div>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={mode.kind === 'create'}
            onChange={(event) => reset(event.target.checked ? { kind: 'create' } : { kind: 'pick' })}
          />
          <span>Create new connection</span>
        </label>
      </div>

      {!formOpen && connections.length === 0 && (
        <p className="muted">Turn on “Create new connection” to fill in a connection and save it for reuse.</p>
      )}

      {!formOpen && selected && (
        <div className="buttons">
          <button type="button" onClick={runTest} disabled={busy !== undefined}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="button" className="secondary" onClick={() => reset({ kind: 'edit', connection: selected }, { ...selected.values })}>
            Edit
          </button>
          <button type="button" className="secondary danger" onClick={() => void remove(selected)} disabled={busy !== undefined}>
            Delete
          </button>
        </div>
      )}

      {formOpen && (
        <div className="connection-form">
          {editing && <p className="muted">Editing “{editing.label}”. Secrets are never shown: leave them empty to keep the saved ones.</p>}
          <SchemaForm
            ref={form}
            id="connection"
            schema={connector.connection.schema}
            formData={formData}
            onChange={(data) => setFormData((data ?? {}) as Record<string, unknown>)}
            savedSecrets={editing?.secretsSet}
            disabled={busy !== undefined}
          >
            <div className="buttons">
              <button type="button" onClick={runTest} disabled={busy !== undefined}>
                {busy === 'test' ? 'Testing…' : 'Test connection'}
              </button>
              <button type="button" onClick={save} disabled={busy !== undefined}>
                {busy === 'save' ? 'Saving…' : editing ? 'Save changes' : 'Save connection'}
              </button>
              {editing && (
                <button type="button" className="secondary" onClick={() => reset({ kind: 'pick' })}>
                  Cancel
                </button>
              )}
            </div>
          </SchemaForm>
        </div>
      )}

      {notice && (
        <p className="notice" role="status">
          ✔ {notice}
        </p>
      )}
      {test && <TestOutcome result={test} />}
      {error && <ErrorBox error={error} />}
    </section>
  );
}
