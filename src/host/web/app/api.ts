/**
 * The page's only door to the server: same-origin fetches, with the CSRF token the server wrote into the page
 * on every state-changing request.
 */
import type {
  ApiError,
  ConnectionView,
  ConnectorInfo,
  FileView,
  PreviewRequest,
  RunRequest,
  RunView,
  SuggestRequestView,
  SuggestResultView,
  SampleRequest,
  SampleView,
  TestRequest,
  TestResultView,
} from '../api-types.js';

const csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

/** An API answer that was not 2xx, carrying the server's error (code and message) for the page to show. */
export class ApiFailure extends Error {
  readonly error: ApiError;
  constructor(error: ApiError) {
    super(error.message);
    this.error = error;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: ApiError } | undefined)?.error;
    throw new ApiFailure(error ?? { code: `HTTP ${response.status}`, message: text || response.statusText });
  }
  return json as T;
}

export const api = {
  connector: () => call<ConnectorInfo>('GET', '/api/connector'),
  connections: () => call<ConnectionView[]>('GET', '/api/connections'),
  createConnection: (values: Record<string, unknown>) => call<ConnectionView>('POST', '/api/connections', { values }),
  updateConnection: (id: string, values: Record<string, unknown>) =>
    call<ConnectionView>('PUT', `/api/connections/${encodeURIComponent(id)}`, { values }),
  deleteConnection: (id: string) => call<void>('DELETE', `/api/connections/${encodeURIComponent(id)}`),
  testConnection: (request: TestRequest) => call<TestResultView>('POST', '/api/connections/test', request),
  startRun: (request: RunRequest) => call<{ id: string }>('POST', '/api/runs', request),
  run: (id: string) => call<RunView>('GET', `/api/runs/${encodeURIComponent(id)}`),
  cancelRun: (id: string) => call<RunView>('POST', `/api/runs/${encodeURIComponent(id)}/cancel`),
  suggest: (request: SuggestRequestView) => call<SuggestResultView>('POST', '/api/suggest', request),
  preview: (request: PreviewRequest) => call<FileView>('POST', '/api/preview', request),
  fileUrl: (id: string) => `/api/files/${encodeURIComponent(id)}`,
  sampleTrigger: (id: string, request: SampleRequest) => call<SampleView>('POST', `/api/triggers/${encodeURIComponent(id)}/sample`, request),
};

/** Any thrown value as the API's error shape, so every failure is shown the same way. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiFailure) return error.error;
  return { code: 'Network', message: error instanceof Error ? error.message : String(error) };
}
