/**
 * Loads a connector the way any host would: through its connector.json and the entry module it names,
 * nothing else (host contract v1). Everything a host needs later is checked here, once, so a broken
 * package fails at load with a message naming the file and the fix, not at the first run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ValidateFunction } from 'ajv';
// The host's own copy of the contract's manifest rules, bundled into the host: it never reads a
// connector's copy, since a package cannot vouch for itself.
import manifestSchema from '../../../schemas/manifest.schema.json';
// The contract's types (manifest, section 3), shared with the package as types only: erased at build
// time, so the host still reaches the connector only through connector.json and its entry module.
import type { ActionContext, FileRef, FileStore, Logger, Progress, TestContext, TestResult } from '../../contract.js';
import type { Manifest } from '../../generated/manifest.js';
import { HostError } from './errors.js';
import { checker, createAjv, type FieldError, type JsonSchema } from './schema.js';
import { callTrigger, loadTriggers, triggerHooksOf, type HookSchemas, type TriggerHookName, type TriggerHooks, type TriggerInfo } from './triggers.js';

export type { ActionContext, FileRef, FileStore, Logger, Progress, TestContext, TestResult, Manifest, TriggerInfo };

/** What a field named in a manifest entry's `suggest` map suggests (contract 1.2, section 6). */
export type SuggestKind = NonNullable<NonNullable<Manifest['actions'][number]['suggest']>[string]>;

export interface ActionInfo {
  id: string;
  name: string;
  description: string;
  group?: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  /** Fields (JSON Pointers) whose choices come from the connector's suggest hook, and their kind. */
  suggest?: Record<string, SuggestKind>;
}

/** The suggest hook's request and answer (contract 1.2, section 6). */
export interface SuggestRequest {
  action: string;
  field: string;
  input?: unknown;
  query?: string;
  cursor?: string;
}

export interface SuggestResult {
  options: { value: string; label: string; description?: string }[];
  cursor?: string;
}

export interface LoadedConnector {
  dir: string;
  manifest: Manifest;
  iconSvg: string;
  connectionSchema: JsonSchema;
  /** Fields marked `x-secret` or `writeOnly`: stored encrypted, never sent back, masked in logs. */
  secretFields: string[];
  /** The manifest's label template filled from the connection; it never names a secret (checked at load). */
  label(values: Record<string, unknown>): string;
  actions: ActionInfo[];
  /** The action with this id; a usage error listing the actions otherwise. */
  action(id: string): ActionInfo;
  /** Human messages, empty when valid. */
  validateConnection(values: unknown): string[];
  /** The same problems with the JSON Pointer of each field, for forms and prompts. */
  connectionErrors(values: unknown): FieldError[];
  /** Human messages about an action's input, empty when valid (the connector validates again). */
  validateInput(actionId: string, input: unknown): string[];
  /** The same problems with the JSON Pointer of each field, for prompts. */
  inputErrors(actionId: string, input: unknown): FieldError[];
  /** Whether `value` matches a fragment of one of the connector's schemas (an `if`), for effective defaults. */
  matches(schema: JsonSchema, value: unknown): boolean;
  testConnection(values: unknown, ctx?: TestContext): Promise<TestResult>;
  runAction(id: string, input: unknown, ctx: ActionContext): Promise<unknown>;
  /** Choices for a field named in `suggest`; a usage error for any other field. */
  suggest(request: SuggestRequest, ctx: ActionContext): Promise<SuggestResult>;
  /** The manifest's `triggers[]` (contract 1.1, section 5); empty when it has none. */
  triggers: TriggerInfo[];
  /** Human problems with a trigger's input, each with its field; empty when valid. */
  triggerInputErrors(triggerId: string, input: unknown): FieldError[];
  /** Calls a trigger's `enable`, `poll` (ctx.state) or `sample`; `enable` resolves to undefined when the trigger has none. */
  runTrigger(id: string, hook: TriggerHookName, input: unknown, ctx: ActionContext & { state?: unknown }): Promise<unknown>;
}

type Hook = (...args: unknown[]) => Promise<unknown>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function invalid(dir: string, problem: string, cause?: unknown): HostError {
  return new HostError('Setup', `The connector in ${dir} cannot be loaded: ${problem}`, cause === undefined ? {} : { cause });
}

/** A path from the manifest, resolved inside the package: a manifest cannot point outside it. */
function inside(dir: string, relative: string): string {
  const resolved = path.resolve(dir, relative);
  if (!resolved.startsWith(dir + path.sep)) throw invalid(dir, `"${relative}" points outside the package.`);
  return resolved;
}

async function readText(dir: string, relative: string, what: string): Promise<string> {
  try {
    return await readFile(inside(dir, relative), 'utf8');
  } catch (error) {
    if (error instanceof HostError) throw error;
    throw invalid(dir, `${what} "${relative}" cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check the path in connector.json and that the file ships in the package.`, error);
  }
}

async function readJson(dir: string, relative: string, what: string): Promise<JsonSchema> {
  const text = await readText(dir, relative, what);
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as JsonSchema;
  } catch (error) {
    throw invalid(dir, `${what} "${relative}" is not a JSON object: ${(error as Error).message}.`, error);
  }
}

function secretFieldsOf(schema: JsonSchema): string[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties)
    .filter(([, field]) => field['x-secret'] === true || field.writeOnly === true)
    .map(([name]) => name);
}

export interface LoadOptions {
  /**
   * Import the entry module on the first hook call instead of at load: for commands that only read the
   * manifest and schemas (listing actions or saved connections), which then start without the SDKs.
   */
  lazyEntry?: boolean;
}

/** Loads, validates and compiles everything a host needs from the connector package in `dir`. */
export async function loadConnector(dir: string, options: LoadOptions = {}): Promise<LoadedConnector> {
  dir = path.resolve(dir);
  const raw = await readJson(dir, 'connector.json', 'The manifest');
  const ajv = createAjv();
  const manifestErrors = checker(ajv.compile(manifestSchema), manifestSchema, '')(raw);
  if (manifestErrors.length > 0) {
    throw invalid(dir, `connector.json does not follow the host contract: ${manifestErrors.map((e) => e.message).join(' ')}`);
  }
  const manifest = raw as unknown as Manifest;

  // By path: two actions may share a schema file, and Ajv refuses the same `$id` twice.
  const compiled = new Map<string, ValidateFunction>();
  const compile = (schema: JsonSchema, file: string): ValidateFunction => {
    try {
      const validate = compiled.get(file) ?? ajv.compile(schema);
      compiled.set(file, validate);
      return validate;
    } catch (error) {
      throw invalid(dir, `the schema "${file}" does not compile under Ajv2020 strict mode with the contract's annotation keywords: ${(error as Error).message}.`, error);
    }
  };

  const connectionSchema = await readJson(dir, manifest.connection.schema, 'The connection schema');
  const connectionChecker = checker(compile(connectionSchema, manifest.connection.schema), connectionSchema, 'connection.');
  const secretFields = secretFieldsOf(connectionSchema);
  const connectionFields = Object.keys((connectionSchema.properties ?? {}) as JsonSchema);
  for (const [, field] of manifest.connection.label.matchAll(PLACEHOLDER)) {
    if (secretFields.includes(field!)) throw invalid(dir, `connection.label names the secret field "${field}"; a label is shown everywhere, so it must not.`);
    if (!connectionFields.includes(field!)) throw invalid(dir, `connection.label names "${field}", which is not a field of ${manifest.connection.schema}.`);
  }

  /** An action's or a trigger's input and output schemas, read and compiled, and a checker of its input. */
  const hookSchemas: HookSchemas = async (hook, what) => {
    const inputSchema = await readJson(dir, hook.input, `The input schema of ${what}`);
    const outputSchema = await readJson(dir, hook.output, `The output schema of ${what}`);
    const check = checker(compile(inputSchema, hook.input), inputSchema);
    compile(outputSchema, hook.output);
    return { inputSchema, outputSchema, check };
  };

  const seen = new Set<string>();
  const actions: ActionInfo[] = [];
  const inputCheckers = new Map<string, (value: unknown) => FieldError[]>();
  for (const action of manifest.actions) {
    if (seen.has(action.id)) throw invalid(dir, `connector.json lists the action "${action.id}" twice.`);
    seen.add(action.id);
    const { inputSchema, outputSchema, check } = await hookSchemas(action, `"${action.id}"`);
    inputCheckers.set(action.id, check);
    actions.push({
      id: action.id,
      name: action.name,
      description: action.description,
      ...(action.group === undefined ? {} : { group: action.group }),
      inputSchema,
      outputSchema,
      ...(action.suggest === undefined ? {} : { suggest: action.suggest as Record<string, SuggestKind> }),
    });
  }

  const fragments = new WeakMap<JsonSchema, ValidateFunction>();
  const fragmentAjv = createAjv({ strict: false });
  const triggers = await loadTriggers(manifest, hookSchemas, (problem) => invalid(dir, problem));

  const iconSvg = await readText(dir, manifest.icon, 'The icon');
  if (!/<svg[\s>]/i.test(iconSvg)) throw invalid(dir, `the icon "${manifest.icon}" is not an SVG document.`);

  // The entry (and the SDKs it pulls in) is imported once; eagerly by default, so a package that
  // does not export what its manifest names fails at load.
  let entry: Promise<Hooks> | undefined;
  const hooks = () => (entry ??= importEntry(dir, manifest, [...actions, ...triggers.infos].some((a) => a.suggest !== undefined)));
  if (!options.lazyEntry) await hooks();

  return {
    dir,
    manifest,
    iconSvg,
    connectionSchema,
    secretFields,
    actions,
    action(id) {
      const found = actions.find((a) => a.id === id);
      if (!found) throw unknownAction(id, actions);
      return found;
    },
    label: (values) =>
      manifest.connection.label.replace(PLACEHOLDER, (_, field: string) => {
        const value = values[field];
        return value === undefined || value === null || secretFields.includes(field) ? '' : String(value);
      }),
    connectionErrors: connectionChecker,
    validateConnection: (values) => connectionChecker(values).map((e) => e.message),
    validateInput(actionId, input) {
      const check = inputCheckers.get(actionId);
      if (!check) throw unknownAction(actionId, actions);
      return check(input).map((e) => e.message);
    },
    inputErrors(actionId, input) {
      const check = inputCheckers.get(actionId);
      if (!check) throw unknownAction(actionId, actions);
      return check(input);
    },
    matches(schema, value) {
      let validate = fragments.get(schema);
      if (!validate) {
        // A fragment is not strict on its own (`required` without `type`); the whole schema was, at load.
        validate = fragmentAjv.compile({ type: 'object', ...schema });
        fragments.set(schema, validate);
      }
      return validate(structuredClone(value)) === true;
    },
    testConnection: async (values, ctx = {}) => (await hooks()).test(values, ctx) as Promise<TestResult>,
    async runAction(id, input, ctx) {
      const handler = (await hooks()).actions[id];
      if (!seen.has(id) || !handler) throw unknownAction(id, actions);
      return handler(input, ctx);
    },
    async suggest(request, ctx) {
      // An action or a trigger, by its id: both name fields in `suggest`.
      const kinds = [...actions, ...triggers.infos].find((a) => a.id === request.action)?.suggest ?? {};
      if (!kinds[request.field]) throw new HostError('Usage', `"${request.action}" suggests nothing for ${request.field}.`);
      return (await hooks()).suggest!(request, ctx) as Promise<SuggestResult>;
    },
    triggers: triggers.infos,
    triggerInputErrors: triggers.inputErrors,
    runTrigger: async (id, hook, input, ctx) => callTrigger((await hooks()).triggers[id], id, triggers.infos, hook, input, ctx),
  };
}

interface Hooks {
  test: Hook;
  actions: Record<string, Hook>;
  suggest?: Hook;
  triggers: Record<string, TriggerHooks>;
}

/** Imports the entry module and checks it exports the test hook, a handler for every action, and suggest when used. */
async function importEntry(dir: string, manifest: Manifest, needsSuggest: boolean): Promise<Hooks> {
  let entry: Record<string, unknown>;
  try {
    entry = (await import(pathToFileURL(inside(dir, manifest.entry)).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof HostError) throw error;
    throw invalid(dir, `the entry module "${manifest.entry}" cannot be imported (${(error as Error).message}). Build the package first (npm run build).`, error);
  }
  const test = entry[manifest.connection.test];
  if (typeof test !== 'function') {
    throw invalid(dir, `the entry module "${manifest.entry}" does not export the test hook "${manifest.connection.test}" named by connection.test.`);
  }
  const handlers = (entry.actions ?? {}) as Record<string, unknown>;
  const missing = manifest.actions.map((a) => a.id).filter((id) => typeof handlers[id] !== 'function');
  if (missing.length > 0) {
    throw invalid(dir, `the entry module "${manifest.entry}" exports no handler in \`actions\` for ${missing.map((id) => `"${id}"`).join(', ')}. Rebuild the package, or remove the action from connector.json.`);
  }
  if (needsSuggest && typeof entry.suggest !== 'function') {
    throw invalid(dir, `the entry module "${manifest.entry}" does not export \`suggest\`, which the \`suggest\` maps of connector.json need. Rebuild the package, or remove the maps.`);
  }
  return { test: test as Hook, actions: handlers as Record<string, Hook>, triggers: triggerHooksOf(entry, manifest, (problem) => invalid(dir, problem)), ...(needsSuggest ? { suggest: entry.suggest as Hook } : {}) };
}

function unknownAction(id: string, actions: ActionInfo[]): HostError {
  return new HostError('Usage', `Unknown action "${id}". Available actions: ${actions.map((a) => a.id).join(', ')}.`);
}
