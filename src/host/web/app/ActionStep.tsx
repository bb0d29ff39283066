/**
 * Step 3: the form rendered from the action's input schema, Run, then the run as it goes: progress, a Cancel
 * button that aborts it, and at the end the output as JSON with image previews, or the error's code and message.
 */
import { useEffect, useMemo, useState } from 'react';
import { formatBytes } from '../../../bytes.js';
import type { ActionInfo, ApiError, ConnectionView, FileView, RunView } from '../api-types.js';
import { api, asApiError } from './api.js';
import { StepIntro } from './Hook.js';
import { ErrorBox, Json } from './Outcome.js';
import { OutputTable, outputTables } from './OutputTable.js';
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

/** The run's last progress in words: the action's own message (which says what it counts), else "N of M done". */
function progressSummary(run: RunView): string | undefined {
  const { progress } = run;
  if (!progress || run.status === 'running') return undefined;
  return progress.message ?? `${progress.done.toLocaleString()}${progress.total === undefined ? '' : ` of ${progress.total.toLocaleString()}`} done`;
}

function RunResult({ run, action, source }: { run: RunView; action: ActionInfo; source?: SourceImage | undefined }) {
  const images = [
    ...(source ? [{ src: api.fileUrl(source.file.id), caption: `Source: ${source.key}` }] : []),
    ...run.files.filter((file) => file.contentType?.startsWith('image/')).map((file) => ({ src: api.fileUrl(file.id), caption: `${file.name}${file.size === undefined ? '' : ` · ${formatBytes(file.size)}`}` })),
    ...inlineImages(run.output).map((src, index) => ({ src, caption: `Inline image ${index + 1}` })),
  ];
  const summary = progressSummary(run);
  const tables = run.output === undefined ? [] : outputTables(run.output, action.outputSchema);
  return (
    <div className="run-result">
      <p className={`run-status ${run.status}`} data-testid="run-status">
        {run.status === 'succeeded' ? 'Succeeded' : run.status === 'cancelled' ? 'Cancelled' : run.status === 'failed' ? 'Failed' : 'Running'} in {elapsed(run)}
        {summary && ` · ${summary}`}
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
          {tables.map((table) => (
            <OutputTable key={table.name} table={table} />
          ))}
          {tables.length > 0 ? (
            <details className="json-toggle">
              <summary>Output as JSON</summary>
              <Json value={shortened(run.output)} label="Output" />
            </details>
          ) : (
            <Json value={shortened(run.output)} label="Output" />
          )}
        </>
      )}
    </div>
  );
}

/** An image in the bucket, read into the host's file store for a thumbnail. */
interface SourceImage {
  key: string;
  file: FileView;
}

const IMAGE_KEY = /\.(jpe?g|png|webp|avif|gif|tiff?)$/i;
const PREVIEW_DELAY_MS = 400;

/**
 * The thumbnail of the image a field of kind "image" names (resize's source), once the key stops
 * changing: fetched with the contract's `get` (POST /api/preview), shown beside the form and the result.
 */
function useSourceImage(action: ActionInfo, input: unknown, connection: ConnectionView | undefined): SourceImage | undefined {
  const field = Object.entries(action.suggest ?? {}).find(([, kind]) => kind === 'image')?.[0];
  const value = field ? (input as Record<string, unknown> | undefined)?.[field.slice(1)] : undefined;
  const key = typeof value === 'string' && IMAGE_KEY.test(value) ? value : undefined;
  const [image, setImage] = useState<SourceImage | undefined>();
  useEffect(() => {
    if (!key || !connection) {
      setImage(undefined);
      return;
    }
    let stopped = false;
    const timer = setTimeout(() => {
      api.preview({ connection: connection.id, key }).then(
        (file) => !stopped && setImage({ key, file }),
        // No thumbnail for a key that is not there (yet): the run says why, if it is run.
        () => !stopped && setImage(undefined),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, connection]);
  return image?.key === key ? image : undefined;
}

export function ActionStep({ action, connection }: { action: ActionInfo; connection: ConnectionView | undefined }) {
  const [input, setInput] = useState<unknown>({});
  const picker = useMemo(() => ({ action: action.id, ...(connection ? { connection: connection.id } : {}) }), [action.id, connection]);
  const source = useSourceImage(action, input, connection);
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
      <SchemaForm
        id="input"
        schema={action.inputSchema}
        formData={input}
        onChange={setInput}
        onSubmit={(data) => void start(data)}
        disabled={running}
        {...(action.suggest ? { suggest: action.suggest } : {})}
        picker={picker}
      >
        {source && !run && (
          <figure className="source-thumbnail">
            <img src={api.fileUrl(source.file.id)} alt={`Thumbnail of ${source.key}`} />
            <figcaption>{source.key}</figcaption>
          </figure>
        )}
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
      {run && run.status !== 'running' && <RunResult run={run} action={action} source={source} />}
    </section>
  );
}
