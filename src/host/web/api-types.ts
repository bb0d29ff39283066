/**
 * The JSON the playground's API speaks, shared by the server and the page (types only: nothing here runs).
 * Nothing in these shapes can carry a saved secret: connections go out without their secret fields.
 */

import type { ActionInfo, FileRef, Progress } from '../core/connector.js';
import type { TriggerEvent, TriggerInfo } from '../core/triggers.js';
import type { JsonSchema } from '../core/schema.js';
import type { SavedConnection } from '../core/store.js';

export type { ActionInfo, JsonSchema, TriggerEvent, TriggerInfo };

/** GET /api/connector */
export interface ConnectorInfo {
  id: string;
  name: string;
  version: string;
  description: string;
  /** The manifest's SVG icon as a data: URL, for an <img> (an SVG there cannot run scripts). */
  icon: string | null;
  connection: {
    schema: JsonSchema;
    /** The manifest's label template, e.g. "{{name}} ({{bucket}}, {{region}})". */
    label: string;
    secretFields: string[];
  };
  actions: ActionInfo[];
  /** The manifest's polling triggers (contract 1.1, section 5), which the page can test with their `sample`. */
  triggers: TriggerInfo[];
}

/** A saved connection as the API shows it: its values without any secret, and which secrets are set. */
export type ConnectionView = SavedConnection;

/** An error as the API shows it: a connector error's plain JSON, or the host's own in the same shape. */
export interface ApiError {
  code: string;
  message: string;
  field?: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export type TestResultView =
  | { ok: true; message: string; details?: Record<string, unknown> }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

/** POST /api/connections/test: unsaved values, a saved connection, or a saved one with edits (empty secrets keep the saved ones). */
export interface TestRequest {
  id?: string;
  values?: Record<string, unknown>;
}

/** POST /api/suggest: choices for a field named in the action's `suggest` map (contract 1.2, section 6). */
export interface SuggestRequestView {
  action: string;
  field: string;
  /** The saved connection to list with. */
  connection: string;
  input?: unknown;
  query?: string;
  cursor?: string;
}

export interface SuggestResultView {
  options: { value: string; label: string; description?: string }[];
  cursor?: string;
}

/** POST /api/preview: an image in the bucket, fetched with the contract's `get` into the file store, for a thumbnail. */
export interface PreviewRequest {
  connection: string;
  key: string;
}

/** POST /api/runs */
export interface RunRequest {
  action: string;
  connection: string;
  input: unknown;
}

/** POST /api/triggers/:id/sample: "Test trigger" with a saved connection. */
export interface SampleRequest {
  connection: string;
  input: unknown;
}

/** The trigger's recent real examples, newest first, as events; sampling changes no state. */
export interface SampleView {
  events: TriggerEvent[];
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type ProgressView = Progress;

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/** A file the run's output refers to, which GET /api/files/:id serves for previews. */
export type FileView = FileRef;

/** GET /api/runs/:id */
export interface RunView {
  id: string;
  action: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  progress?: ProgressView;
  output?: unknown;
  error?: ApiError;
  /** The FileRefs found in `output`. */
  files: FileView[];
  logs: LogLine[];
}
