/**
 * The playground's JSON API. It knows the connector only as a LoadedConnector (its manifest, schemas and
 * hooks) and never sends a saved secret back: connections go out without their secret fields, and every
 * answer that came from the connector has the secrets in play masked out of it.
 */
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { LoadedConnector } from '../core/connector.js';
import { errorInfo, HostError } from '../core/errors.js';
import { maskSecrets, type LogSink } from '../core/logger.js';
import type { Host } from '../core/run.js';
import type { SavedConnection } from '../core/store.js';
import type { ConnectionView, ConnectorInfo, FileView, PreviewRequest, RunRequest, SampleRequest, SampleView, SuggestRequestView, TestRequest } from './api-types.js';
import { RunRegistry } from './runs.js';
import { apiError } from './security.js';

type Values = Record<string, unknown>;

export interface ApiDeps {
  /** The loaded connector, its saved connections and file store (the host core). */
  host: Host;
  /** Where log lines go besides a run's view, secrets masked: e.g. the terminal. */
  log?: LogSink;
}

const isRecord = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

function statusOf(code: string): ContentfulStatusCode {
  if (code === 'InvalidInput' || code === 'Usage') return 400;
  if (code === 'NotFound') return 404;
  if (code === 'Conflict') return 409;
  return 500;
}

async function readObject(c: Context): Promise<Values> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (cause) {
    throw new HostError('InvalidInput', 'The request body is not JSON: send a JSON object with Content-Type application/json.', { cause });
  }
  if (!isRecord(body)) throw new HostError('InvalidInput', 'The request body must be a JSON object.');
  return body;
}

function connectorInfo(connector: LoadedConnector): ConnectorInfo {
  const { manifest } = connector;
  return {
    id: manifest.id,
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    icon: connector.iconSvg ? `data:image/svg+xml;base64,${Buffer.from(connector.iconSvg).toString('base64')}` : null,
    connection: { schema: connector.connectionSchema, label: manifest.connection.label, secretFields: connector.secretFields },
    actions: connector.actions,
    triggers: connector.triggers,
  };
}

export function apiRoutes({ host, log }: ApiDeps): { api: Hono; runs: RunRegistry } {
  const { connector, store, files } = host;
  const { secretFields } = connector;
  const runs = new RunRegistry(log);
  const api = new Hono();

  /** Drops any secret field, whatever the store gave: the API never sends one. */
  const view = (saved: SavedConnection): ConnectionView => ({
    ...saved,
    values: Object.fromEntries(Object.entries(saved.values).filter(([field]) => !secretFields.includes(field))),
  });

  const saved = (idOrName: string): SavedConnection => {
    const found = store.get(idOrName);
    if (!found) throw new HostError('NotFound', `No saved connection "${idOrName}": it may have been deleted. Reload the page.`);
    return found;
  };

  const valuesOf = async (c: Context): Promise<Values> => {
    const { values } = await readObject(c);
    if (!isRecord(values)) throw new HostError('InvalidInput', 'Send the connection as {"values": {...}}.');
    return values;
  };

  /** A saved connection's values, or edits over it: a secret left empty keeps the saved one, as the form says. */
  const withSavedSecrets = async (id: string, edits?: Values): Promise<Values> => {
    const stored = await store.reveal(saved(id).id);
    if (!edits) return stored;
    const merged: Values = { ...edits };
    for (const field of secretFields) {
      if ((merged[field] === undefined || merged[field] === '') && stored[field] !== undefined) merged[field] = stored[field];
    }
    return merged;
  };

  api.onError((error, c) => {
    const info = errorInfo(error);
    if (!info) {
      log?.('error', 'Playground API error', { path: c.req.path, error: error instanceof Error ? error.message : String(error) });
      return c.json(apiError('HostError', 'The playground hit an unexpected error: see the terminal it runs in.'), 500);
    }
    return c.json({ error: info }, statusOf(info.code));
  });

  api.get('/connector', (c) => c.json(connectorInfo(connector)));

  api.get('/connections', (c) => c.json(store.list().map(view)));

  // The store validates against the connection schema and keeps saved secrets that arrive empty.
  api.post('/connections', async (c) => c.json(view(await store.create(connector, await valuesOf(c))), 201));

  api.put('/connections/:id', async (c) => c.json(view(await store.update(connector, saved(c.req.param('id')).id, await valuesOf(c)))));

  api.delete('/connections/:id', async (c) => {
    await store.delete(saved(c.req.param('id')).id);
    return c.body(null, 204);
  });

  api.post('/connections/test', async (c) => {
    const request = (await readObject(c)) as TestRequest;
    let values: Values;
    if (typeof request.id === 'string') values = await withSavedSecrets(request.id, isRecord(request.values) ? request.values : undefined);
    else if (isRecord(request.values)) values = request.values;
    else throw new HostError('InvalidInput', 'Send {"values": {...}} to test unsaved values, or {"id": "..."} to test a saved connection.');
    return c.json(await host.test({ values }, { signal: c.req.raw.signal, ...(log ? { log } : {}) }));
  });

  api.post('/runs', async (c) => {
    const request = (await readObject(c)) as Partial<RunRequest>;
    const action = connector.actions.find((candidate) => candidate.id === request.action);
    if (!action) throw new HostError('NotFound', `No action "${String(request.action)}" in ${connector.manifest.name}.`);
    if (typeof request.connection !== 'string') throw new HostError('InvalidInput', 'Choose a saved connection to run the action with.');
    const { id } = saved(request.connection);
    // The host masks the run's output, error and log lines; the registry masks its progress messages too.
    const { secrets } = await host.connection(id);
    const run = runs.start(action.id, (value) => maskSecrets(value, secrets), ({ signal, progress, log: sink }) =>
      host.run(action.id, id, request.input ?? {}, { signal, progress, log: sink }),
    );
    return c.json({ id: run.id }, 202);
  });

  api.post('/suggest', async (c) => {
    const request = (await readObject(c)) as Partial<SuggestRequestView>;
    if (typeof request.action !== 'string' || typeof request.field !== 'string') throw new HostError('InvalidInput', 'Send {"action", "field", "connection"} and optionally "input", "query" and "cursor".');
    if (typeof request.connection !== 'string') throw new HostError('InvalidInput', 'Choose a saved connection to list keys with.');
    const { id } = saved(request.connection);
    const result = await host.suggest(
      id,
      {
        action: request.action,
        field: request.field,
        ...(request.input === undefined ? {} : { input: request.input }),
        ...(typeof request.query === 'string' ? { query: request.query } : {}),
        ...(typeof request.cursor === 'string' ? { cursor: request.cursor } : {}),
      },
      { signal: c.req.raw.signal, ...(log ? { log } : {}) },
    );
    return c.json(result);
  });

  // The contract's `get` (section 4) reads the image into the file store; the page shows it through /api/files.
  api.post('/preview', async (c) => {
    const request = (await readObject(c)) as Partial<PreviewRequest>;
    if (typeof request.connection !== 'string' || typeof request.key !== 'string') throw new HostError('InvalidInput', 'Send {"connection", "key"}.');
    if (!connector.actions.some((a) => a.id === 'get')) throw new HostError('NotFound', `${connector.manifest.name} has no \`get\` action to read an image with.`);
    const { id } = saved(request.connection);
    const output = (await host.run('get', id, { key: request.key, as: 'file' }, { signal: c.req.raw.signal })) as { file?: FileView };
    const file = output.file;
    if (!file || !/^image\/(png|jpeg|gif|webp|avif)$/.test(file.contentType ?? '')) throw new HostError('InvalidInput', `"${request.key}" is not an image the page can show.`);
    runs.keepFile(file);
    return c.json(file);
  });

  api.post('/triggers/:id/sample', async (c) => {
    const trigger = connector.triggers.find((candidate) => candidate.id === c.req.param('id'));
    if (!trigger) throw new HostError('NotFound', `No trigger "${c.req.param('id')}" in ${connector.manifest.name}.`);
    const request = (await readObject(c)) as Partial<SampleRequest>;
    if (typeof request.connection !== 'string') throw new HostError('InvalidInput', 'Choose a saved connection to test the trigger with.');
    const { id } = saved(request.connection);
    const events = await host.trigger(trigger.id, 'sample', id, request.input ?? {}, { signal: c.req.raw.signal, ...(log ? { log } : {}) });
    return c.json({ events } as SampleView);
  });

  api.get('/runs/:id', (c) => {
    const run = runs.get(c.req.param('id'));
    if (!run) throw new HostError('NotFound', 'No such run: runs are kept in memory until the playground stops.');
    return c.json(run);
  });

  api.post('/runs/:id/cancel', (c) => {
    const run = runs.cancel(c.req.param('id'));
    if (!run) throw new HostError('NotFound', 'No such run: runs are kept in memory until the playground stops.');
    return c.json(run);
  });

  api.get('/files/:id', async (c) => {
    const ref = runs.file(c.req.param('id'));
    if (!ref) throw new HostError('NotFound', 'No such file: the playground serves only files that a run returned.');
    const stream = await files.read(ref);
    const type = ref.contentType ?? 'application/octet-stream';
    // Raster images show inline; anything else (SVG included, which can carry scripts) downloads.
    const inline = /^image\/(png|jpeg|gif|webp|avif)$/.test(type);
    return c.body(Readable.toWeb(Readable.from(stream)) as ReadableStream, 200, {
      'content-type': inline ? type : 'application/octet-stream',
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(ref.name)}`,
      'content-security-policy': "sandbox; default-src 'none'",
      'x-content-type-options': 'nosniff',
    });
  });

  api.notFound((c) => c.json(apiError('NotFound', `No API route ${c.req.method} ${c.req.path}.`), 404));

  return { api, runs };
}
