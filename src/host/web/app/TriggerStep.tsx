/**
 * Step 3 for a trigger: its input form and "Test trigger", which shows the events `sample` returns: recent
 * real examples, newest first, of what would start a workflow. Sampling changes no state.
 */
import { useState } from 'react';
import type { ApiError, ConnectionView, TriggerEvent, TriggerInfo } from '../api-types.js';
import { api, asApiError } from './api.js';
import { StepIntro } from './Hook.js';
import { ErrorBox, Json } from './Outcome.js';
import { SchemaForm } from './SchemaForm.js';

/** The event's plain fields, as `name=value`: the page knows events only by the contract's shape. */
function summary(event: TriggerEvent): string {
  return Object.entries(event.data)
    .filter(([, value]) => value === null || typeof value !== 'object')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' · ');
}

export function TriggerStep({ trigger, connection }: { trigger: TriggerInfo; connection: ConnectionView | undefined }) {
  const [input, setInput] = useState<unknown>({});
  const [testing, setTesting] = useState(false);
  const [events, setEvents] = useState<TriggerEvent[] | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  const test = async (data: unknown) => {
    setError(undefined);
    setEvents(undefined);
    if (!connection) {
      setError({ code: 'NoConnection', message: 'Choose a saved connection (step 2) before testing the trigger.' });
      return;
    }
    setTesting(true);
    try {
      setEvents((await api.sampleTrigger(trigger.id, { connection: connection.id, input: data ?? {} })).events);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setTesting(false);
    }
  };

  return (
    <section className="card" aria-labelledby="step-trigger">
      <StepIntro id="step-trigger" verb="Test" hook={trigger} connection={connection} />
      <SchemaForm id="trigger-input" schema={trigger.inputSchema} formData={input} onChange={setInput} onSubmit={(data) => void test(data)} disabled={testing}>
        <div className="buttons">
          <button type="submit" disabled={testing || !connection}>
            {testing ? 'Testing…' : 'Test trigger'}
          </button>
        </div>
      </SchemaForm>
      {error && <ErrorBox error={error} />}
      {events && (
        <div className="run-result">
          <p className="run-status succeeded" data-testid="sample-status">
            {events.length === 0 ? 'No objects match yet: the trigger would wait for the first one.' : `${events.length} recent example${events.length === 1 ? '' : 's'}, newest first`}
          </p>
          <ol className="events" aria-label="Sample events">
            {events.map((event) => (
              <li key={event.id}>
                <time dateTime={event.occurredAt}>{event.occurredAt}</time> <code>{event.type}</code>
                <div className="muted">{summary(event)}</div>
              </li>
            ))}
          </ol>
          <h3>Events</h3>
          <Json value={events} label="Sample events as JSON" />
        </div>
      )}
    </section>
  );
}
