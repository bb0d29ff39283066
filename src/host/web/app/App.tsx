/** The playground: pick an action, pick or create a connection, run the action. Knows only the API. */
import { Component, useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ApiError, ConnectionView, ConnectorInfo } from '../api-types.js';
import { ActionPicker } from './ActionPicker.js';
import { ActionStep } from './ActionStep.js';
import { api, asApiError } from './api.js';
import { ConnectionStep } from './ConnectionStep.js';
import { ErrorBox } from './Outcome.js';
import { TriggerPicker } from './TriggerPicker.js';
import { TriggerStep } from './TriggerStep.js';

/** A form that cannot render (a schema this page does not handle) shows why, instead of blanking the page. */
class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="card">
        <ErrorBox error={{ code: 'RenderError', message: `This step cannot be shown: ${error.message}` }} />
      </section>
    );
  }
}

/** The chosen action lives in the address (#action=list), so a reload or a shared link keeps it. */
function actionFromHash(): string | undefined {
  return new URLSearchParams(window.location.hash.slice(1)).get('action') ?? undefined;
}

/** Likewise a chosen trigger (#trigger=objectChanged). */
function triggerFromHash(): string | undefined {
  return new URLSearchParams(window.location.hash.slice(1)).get('trigger') ?? undefined;
}

export function App() {
  const [connector, setConnector] = useState<ConnectorInfo | undefined>();
  const [connections, setConnections] = useState<ConnectionView[]>([]);
  const [actionId, setActionId] = useState<string | undefined>(actionFromHash);
  const [triggerId, setTriggerId] = useState<string | undefined>(triggerFromHash);
  const [connectionId, setConnectionId] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  /** Reloads the saved connections; selects `id`, else keeps the selection, else the most recently updated. */
  const loadConnections = useCallback(async (id?: string) => {
    const list = await api.connections();
    setConnections(list);
    setConnectionId((current) => {
      const wanted = id ?? current;
      if (wanted && list.some((connection) => connection.id === wanted)) return wanted;
      return [...list].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]?.id;
    });
  }, []);

  useEffect(() => {
    Promise.all([api.connector().then(setConnector), loadConnections()]).catch((failure: unknown) => setError(asApiError(failure)));
  }, [loadConnections]);

  useEffect(() => {
    const onHash = () => {
      setActionId(actionFromHash());
      setTriggerId(triggerFromHash());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const selectAction = (id: string) => {
    window.history.replaceState(null, '', `#action=${encodeURIComponent(id)}`);
    setActionId(id);
    setTriggerId(undefined);
  };

  const selectTrigger = (id: string) => {
    window.history.replaceState(null, '', `#trigger=${encodeURIComponent(id)}`);
    setTriggerId(id);
    setActionId(undefined);
  };

  if (error) return <main><ErrorBox error={error} title="The playground could not load" /></main>;
  if (!connector) return <main><p className="muted">Loading…</p></main>;

  const action = connector.actions.find((candidate) => candidate.id === actionId);
  const trigger = connector.triggers.find((candidate) => candidate.id === triggerId);
  const connection = connections.find((candidate) => candidate.id === connectionId);
  return (
    <>
      <header>
        {connector.icon && <img src={connector.icon} alt="" width={40} height={40} />}
        <div>
          <h1>
            {connector.name} <span className="muted version">v{connector.version}</span>
          </h1>
          <p className="muted">{connector.description}</p>
        </div>
        <span className="muted host">Playground · reference host</span>
      </header>
      <main>
        <ActionPicker actions={connector.actions} icon={connector.icon} selected={action?.id} onSelect={selectAction}>
          <TriggerPicker triggers={connector.triggers} icon={connector.icon} selected={trigger?.id} onSelect={selectTrigger} />
        </ActionPicker>
        <div className="steps">
          <Boundary>
            <ConnectionStep
              connector={connector}
              connections={connections}
              selected={connection}
              onSelect={setConnectionId}
              onSaved={loadConnections}
            />
          </Boundary>
          {trigger ? (
            <Boundary key={`trigger:${trigger.id}`}>
              <TriggerStep trigger={trigger} connection={connection} />
            </Boundary>
          ) : action ? (
            <Boundary key={action.id}>
              <ActionStep action={action} connection={connection} />
            </Boundary>
          ) : (
            <section className="card">
              <h2>
                <span className="step">3</span> Run
              </h2>
              <p className="muted">Choose an action in step 1.</p>
            </section>
          )}
        </div>
      </main>
    </>
  );
}
