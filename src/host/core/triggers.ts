/**
 * A connector's polling triggers, as the host knows them: only through connector.json (its `triggers[]`,
 * host contract 1.1, section 5) and the `triggers` map of the entry module. The host knows nothing of
 * S3: it schedules polls and keeps the state each one returns.
 */
import type { ActionContext, PollContext, PollResult, TriggerEvent, TriggerState } from '../../contract.js';
import type { Manifest } from '../../generated/manifest.js';
import type { SuggestKind } from './connector.js';
import { HostError } from './errors.js';
import type { FieldError, JsonSchema } from './schema.js';

export type { PollContext, PollResult, TriggerEvent, TriggerState };

export interface TriggerInfo {
  id: string;
  name: string;
  description: string;
  group?: string;
  /** The shortest time between polls the connector asks of a host. */
  minIntervalSeconds: number;
  inputSchema: JsonSchema;
  /** The schema of one event's `data`. */
  outputSchema: JsonSchema;
  /** Fields (JSON Pointers) whose choices come from the connector's suggest hook, and their kind. */
  suggest?: Record<string, SuggestKind>;
}

export type TriggerHookName = 'enable' | 'poll' | 'sample';

type Hook = (...args: unknown[]) => Promise<unknown>;

/** The entry's hooks for one trigger; `enable` is optional, as the contract says. */
export interface TriggerHooks {
  enable?: Hook;
  poll: Hook;
  sample: Hook;
}

/** Reads and compiles a hook's (an action's or a trigger's) `input` and `output` schemas; `what` names it in errors. */
export type HookSchemas = (
  hook: { input: string; output: string },
  what: string,
) => Promise<{ inputSchema: JsonSchema; outputSchema: JsonSchema; check: (input: unknown) => FieldError[] }>;

export interface LoadedTriggers {
  infos: TriggerInfo[];
  /** Human problems with a trigger's input, each with its field; empty when valid (the connector validates again). */
  inputErrors(id: string, input: unknown): FieldError[];
}

/** Reads and compiles every trigger's schemas; the manifest's own schema has already checked its shape. */
export async function loadTriggers(manifest: Manifest, hookSchemas: HookSchemas, invalid: (problem: string) => HostError): Promise<LoadedTriggers> {
  const infos: TriggerInfo[] = [];
  const checkers = new Map<string, (input: unknown) => FieldError[]>();
  for (const trigger of manifest.triggers ?? []) {
    if (checkers.has(trigger.id) || manifest.actions.some((action) => action.id === trigger.id)) {
      throw invalid(`connector.json lists "${trigger.id}" twice among its actions and triggers.`);
    }
    const { inputSchema, outputSchema, check } = await hookSchemas(trigger, `the trigger "${trigger.id}"`);
    checkers.set(trigger.id, check);
    infos.push({
      id: trigger.id,
      name: trigger.name,
      description: trigger.description,
      ...(trigger.group === undefined ? {} : { group: trigger.group }),
      minIntervalSeconds: trigger.minIntervalSeconds,
      inputSchema,
      outputSchema,
      ...(trigger.suggest === undefined ? {} : { suggest: trigger.suggest as Record<string, SuggestKind> }),
    });
  }
  return {
    infos,
    inputErrors(id, input) {
      const check = checkers.get(id);
      if (!check) throw unknownTrigger(id, infos);
      return check(input);
    },
  };
}

/** The entry's `triggers` map, checked against the manifest: a missing hook fails at load, naming it. */
export function triggerHooksOf(entry: Record<string, unknown>, manifest: Manifest, invalid: (problem: string) => HostError): Record<string, TriggerHooks> {
  const declared = manifest.triggers ?? [];
  const exported = (entry.triggers ?? {}) as Record<string, Partial<Record<TriggerHookName, unknown>> | undefined>;
  const broken = declared.filter(({ id }) => typeof exported[id]?.poll !== 'function' || typeof exported[id]?.sample !== 'function');
  if (broken.length > 0) {
    throw invalid(`the entry module "${manifest.entry}" exports no poll and sample hooks in \`triggers\` for ${broken.map(({ id }) => `"${id}"`).join(', ')}. Rebuild the package, or remove the trigger from connector.json.`);
  }
  return Object.fromEntries(declared.map(({ id }) => [id, exported[id] as unknown as TriggerHooks]));
}

export function unknownTrigger(id: string, infos: readonly TriggerInfo[]): HostError {
  return new HostError('Usage', `Unknown trigger "${id}". ${infos.length > 0 ? `Available triggers: ${infos.map((t) => t.id).join(', ')}.` : 'This connector has no triggers.'}`);
}

/** Calls one hook of a trigger with the context a host owes it. */
export function callTrigger(hooks: TriggerHooks | undefined, id: string, infos: readonly TriggerInfo[], hook: TriggerHookName, input: unknown, ctx: ActionContext | PollContext): Promise<unknown> {
  if (!hooks) throw unknownTrigger(id, infos);
  const call = hooks[hook];
  // Without `enable`, a first poll with no state baselines (contract, section 5).
  if (hook === 'enable' && !call) return Promise.resolve(undefined);
  return call!(input, ctx);
}
