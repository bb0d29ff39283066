/**
 * What every adapter knows of the connector: connector.json, the schemas it names and the entry module,
 * read the way any host reads them (host contract v1). Manifest and schemas are read synchronously,
 * because n8n, Activepieces and Node-RED all build their node, piece or node type when the module loads;
 * the entry (and the SDKs behind it) is imported on the first call.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
// Types only, erased at build time: the adapters reach the connector through connector.json alone.
import type { ActionContext, ActionHandler, TestContext, TestResult, TriggerHandler } from '../../contract.js';
import type { ConnectorError, ErrorCode } from '../../errors.js';
import type { Manifest, Suggest } from '../../generated/manifest.js';
import type { SuggestHook, SuggestRequest, SuggestResult } from '../../suggest.js';

export type JsonSchema = Record<string, unknown>;
export type { ActionContext, ErrorCode, Manifest, SuggestRequest, SuggestResult, TriggerHandler };

/** What a field named in a manifest entry's `suggest` map suggests (contract 1.2, section 6). */
export type SuggestKind = NonNullable<Suggest[string]>;

/** The published name of the connector package the adapters depend on. */
export const CONNECTOR_PACKAGE = '@s3-connector/amazon-s3';

/** One operation a host offers: an action, or a trigger (contract section 5), whose input maps the same way. */
export interface Operation {
  id: string;
  name: string;
  description: string;
  group?: string;
  input: JsonSchema;
  /** An action's output; a trigger's is one event's `data`. */
  output: JsonSchema;
  /** Fields (JSON Pointers into the input) whose choices come from the connector's `suggest` hook. */
  suggest: Record<string, SuggestKind>;
}

/** A polling trigger (contract section 5). */
export interface TriggerOperation extends Operation {
  /** The shortest time between polls the connector asks of a host. */
  minIntervalSeconds: number;
}

/** The entry module's exports an adapter calls. */
export interface Hooks {
  testConnection(connection: unknown, ctx?: TestContext): Promise<TestResult>;
  actions: Record<string, ActionHandler>;
  triggers: Record<string, TriggerHandler>;
  /** Absent in a connector without suggestions (contract 1.2). */
  suggest: SuggestHook | undefined;
  /** The contract's error class, so a host-side failure (a file too large for the host) is one too. */
  ConnectorError: new (code: ErrorCode, message: string, options?: { retryable?: boolean; field?: string; cause?: unknown }) => ConnectorError;
}

export interface Contract {
  dir: string;
  manifest: Manifest;
  connection: JsonSchema;
  actions: Operation[];
  /** The manifest's `triggers[]`; empty when it has none. */
  triggers: TriggerOperation[];
  /** The SVG icon's absolute path. */
  iconPath: string;
  /** Imports the entry module once. */
  hooks(): Promise<Hooks>;
}

function fail(dir: string, problem: string, cause?: unknown): Error {
  return new Error(`The connector in ${dir} cannot be loaded: ${problem}`, cause === undefined ? undefined : { cause });
}

/** A path from the manifest, inside the package: a manifest cannot point outside it. */
function inside(dir: string, relative: string): string {
  const resolved = path.resolve(dir, relative);
  if (!resolved.startsWith(dir + path.sep)) throw fail(dir, `"${relative}" points outside the package.`);
  return resolved;
}

function readJson(dir: string, relative: string): JsonSchema {
  try {
    return JSON.parse(readFileSync(inside(dir, relative), 'utf8')) as JsonSchema;
  } catch (error) {
    throw fail(dir, `"${relative}" cannot be read as JSON (${(error as Error).message}).`, error);
  }
}

/** The connector package's folder, found the way Node finds a dependency of the adapter's package. */
export function connectorDir(from: string): string {
  return path.dirname(createRequire(from).resolve(`${CONNECTOR_PACKAGE}/connector.json`));
}

type ManifestEntry = Manifest['actions'][number];

/** An action's or a trigger's manifest entry with its schemas read. */
function operationOf(dir: string, entry: ManifestEntry): Operation {
  return {
    id: entry.id,
    name: entry.name,
    description: entry.description,
    ...(entry.group === undefined ? {} : { group: entry.group }),
    input: readJson(dir, entry.input),
    output: readJson(dir, entry.output),
    suggest: Object.fromEntries(Object.entries(entry.suggest ?? {}).filter((pair): pair is [string, SuggestKind] => pair[1] !== undefined)),
  };
}

/** Reads the manifest and every schema it names; the entry is imported on the first `hooks()` call. */
export function loadContract(dir: string): Contract {
  dir = path.resolve(dir);
  const manifest = readJson(dir, 'connector.json') as unknown as Manifest;
  let entry: Promise<Hooks> | undefined;
  return {
    dir,
    manifest,
    connection: readJson(dir, manifest.connection.schema),
    actions: manifest.actions.map((action) => operationOf(dir, action)),
    triggers: (manifest.triggers ?? []).map((trigger) => ({ ...operationOf(dir, trigger), minIntervalSeconds: trigger.minIntervalSeconds })),
    iconPath: inside(dir, manifest.icon),
    hooks: () => (entry ??= importEntry(dir, manifest)),
  };
}

async function importEntry(dir: string, manifest: Manifest): Promise<Hooks> {
  const module = (await import(pathToFileURL(inside(dir, manifest.entry)).href)) as Record<string, unknown>;
  const testConnection = module[manifest.connection.test];
  if (typeof testConnection !== 'function') throw fail(dir, `the entry does not export "${manifest.connection.test}".`);
  return {
    testConnection: testConnection as Hooks['testConnection'],
    actions: (module.actions ?? {}) as Hooks['actions'],
    triggers: (module.triggers ?? {}) as Hooks['triggers'],
    suggest: typeof module.suggest === 'function' ? (module.suggest as SuggestHook) : undefined,
    ConnectorError: module.ConnectorError as Hooks['ConnectorError'],
  };
}

function missing(contract: Contract, what: string): Error {
  return fail(contract.dir, `connector.json lists ${what} but the entry exports no handler for it. Rebuild the connector package.`);
}

/** Runs one action of the contract; an id the entry lacks is a packaging bug, said plainly. */
export async function runAction(contract: Contract, id: string, input: unknown, ctx: ActionContext): Promise<unknown> {
  const handler = (await contract.hooks()).actions[id];
  if (typeof handler !== 'function') throw missing(contract, `the action "${id}"`);
  return handler(input, ctx);
}

/** One trigger's hooks; a trigger the entry lacks (or without `poll` and `sample`) is a packaging bug. */
export async function triggerHooks(contract: Contract, id: string): Promise<TriggerHandler> {
  const handler = (await contract.hooks()).triggers[id];
  if (typeof handler?.poll !== 'function' || typeof handler.sample !== 'function') throw missing(contract, `the trigger "${id}"`);
  return handler;
}

/** Choices for a field named in a `suggest` map (contract 1.2, section 6). */
export async function runSuggest(contract: Contract, request: SuggestRequest, ctx: ActionContext): Promise<SuggestResult> {
  const suggest = (await contract.hooks()).suggest;
  if (!suggest) throw missing(contract, `suggestions for "${request.action}"`);
  return suggest(request, ctx);
}

/** A thrown error in the contract's shape (section 3), as plain data any host can show. */
export interface ErrorFacts {
  code: ErrorCode | 'Unexpected';
  message: string;
  retryable: boolean;
  field?: string;
}

export function errorFacts(error: unknown): ErrorFacts {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Partial<ConnectorError>;
  if (e.name === 'ConnectorError' && typeof e.code === 'string') {
    return { code: e.code, message: String(e.message), retryable: e.retryable === true, ...(e.field === undefined ? {} : { field: e.field }) };
  }
  return { code: 'Unexpected', message: String(e.message ?? error), retryable: false };
}
