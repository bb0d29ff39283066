/**
 * Step 3: the form rendered from the action's input schema, Run, then the run as it goes: progress, a Cancel
 * button that aborts it, and at the end the output as JSON with image previews, or the error's code and message.
 */
import { useEffect, useState } from 'react';
import type { ActionInfo, ApiError, ConnectionView, RunView } from '../api-types.js';
import { api, asApiError } from './api.js';
import { StepIntro } from './Hook.js';
import { ErrorBox, Json } from './Outcome.js';
import { SchemaForm } from './SchemaForm.js';

const POLL_MS = 250;
/** Long strings (base64 content) are cut in the JSON view; the preview shows the image itself. */
const MAX_SHOWN_STRING = 2000;

function shortened(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_SHOWN_STRING) {
    return `${value.slice(0, MAX_SHOWN_STRING)}… (${value.length.toLocaleString()} characters)`;
  }
  if (Array.isArray(value)) return value.map(shortened);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shortened(v)]));
  return value;
}

/** Images an output carries inline: any object with base64 content and an image content type. */
function inlineImages(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) inlineImages(item, found);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.base64 === 'string' && typeof record.contentType === 'string' && record.contentType.startsWith('image/')) {
      found.push(`data:${record.contentType};base64,${record.base64}`);
    }
    for (const item of Object.values(record)) if (typeof item === 'object') inlineImages(item, found);
  }
  return found;
}

function elapsed(run: RunView): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return `${((end - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`;
}

function RunProgress({ run }: { run: RunView }) {
  const { progress } = run;
  const known = progress?.total !== undefined && progress.total > 0;
  return (
    <div className="progress" role="status" aria-live="polite">
      <progress max={known ? progress!.total : undefined} value={known ? progress!.done : undefined} />
      <span>
        {progress ? `${progress.done.toLocaleString()}${known ? ` / ${progress.total!.toLocaleString()}` : ''}` : 'Running…'}
        {progress?.message ? ` · ${progress.message}` : ''}
      </span>
    </div>
  );
}

function RunResult({ run }: { run: RunView }) {
  const images = [
    ...run.files.filter((file) => file.contentType?.startsWith('image/')).map((file) => ({ src: api.fileUrl(file.id), caption: `${file.name}${file.size === undefined ? '' : ` · ${file.size.toLocaleString()} bytes`}` })),
    ...inlineImages(run.output).map((src, index) => ({ src, caption: `Inline image ${index + 1}` })),
  ];
  return (
    <div className="run-result">
      <p className={`run-status ${run.status}`} data-testid="run-status">
        {run.status === 'succeeded' ? 'Succeeded' : run.status === 'cancelled' ? 'Cancelled' : run.status === 'failed' ? 'Failed' : 'Running'} in {elapsed(run)}
        {run.progress && run.status !== 'running' && ` · ${run.progress.done.toLocaleString()}${run.progress.total === undefined ? '' : ` of ${run.progress.total.toLocaleString()}`} done`}
      </p>
      {run.error && <ErrorBox error={run.error} />}
      {images.length > 0 && (
        <div className="previews">
          {images.map((image) => (
            <figure key={image.src}>
              <img src={image.src} alt={`Preview of ${image.caption}`} />
              <figcaption>{image.caption}</figcaption>
            </figure>
          ))}
        </div>
      )}
      {run.output !== undefined && (
        <>
          <h3>Output</h3>
          <Json value={shortened(run.output)} label="Output" />
        </>
      )}
    </div>
  );
}

export function ActionStep({ action, connection }: { action: ActionInfo; connection: ConnectionView | undefined }) {
  const [input, setInput] = useState<unknown>({});
  const [runId, setRunId] = useState<string | undefined>();
  const [run, setRun] = useState<RunView | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const running = runId !== undefined && (run === undefined || run.status === 'running');

  useEffect(() => {
    if (!runId) return;
    let stopped = false;
    const poll = async () => {
      while (!stopped) {
        try {
          const view = await api.run(runId);
          if (stopped) return;
          setRun(view);
          if (view.status !== 'running') return;
        } catch (failure) {
          if (!stopped) setError(asApiError(failure));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [runId]);

  const start = async (data: unknown) => {
    setError(undefined);
    setRun(undefined);
    setRunId(undefined);
    if (!connection) {
      setError({ code: 'NoConnection', message: 'Choose a saved connection (step 2) before running an action.' });
      return;
    }
    try {
      const { id } = await api.startRun({ action: action.id, connection: connection.id, input: data ?? {} });
      setRunId(id);
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  const cancel = async () => {
    if (!runId) return;
    try {
      setRun(await api.cancelRun(runId));
    } catch (failure) {
      setError(asApiError(failure));
    }
  };

  return (
    <section className="card" aria-labelledby="step-run">
      <StepIntro id="step-run" verb="Run" hook={action} connection={connection} />
      <SchemaForm id="input" schema={action.inputSchema} formData={input} onChange={setInput} onSubmit={(data) => void start(data)} disabled={running}>
        <div className="buttons">
          <button type="submit" disabled={running || !connection}>
            {running ? 'Running…' : 'Run'}
          </button>
          {running && (
            <button type="button" className="secondary danger" onClick={() => void cancel()}>
              Cancel
            </button>
          )}
        </div>
      </SchemaForm>
      {running && run && <RunProgress run={run} />}
      {running && !run && <RunProgress run={{ id: runId, action: action.id, status: 'running', startedAt: new Date().toISOString(), files: [], logs: [] }} />}
      {error && <ErrorBox error={error} />}
      {run && run.status !== 'running' && <RunResult run={run} />}
    </section>
  );
}
