/**
 * "New or updated object": fires once for each object written under a prefix, at any bucket size.
 * The logic of what is new lives here, in S3's own terms (host contract 1.1, section 5); the host only
 * schedules polls and keeps the state. scan.ts and ordered.ts hold the two modes.
 */
import inputSchema from '../../schemas/triggers/objectChanged.input.json';
import stateSchema from '../../schemas/triggers/objectChanged.state.json';
import type { RunContext } from '../action.js';
import type { PollResult, TriggerEvent } from '../contract.js';
import type { ObjectChangedState } from '../generated/triggers/objectChanged.state.js';
import { validator } from '../validate.js';
import { defineTrigger } from './define.js';
import { eventOf } from './events.js';
import { enableOrdered, pollOrdered } from './ordered.js';
import { sampleEvents } from './sample.js';
import { enableScan, pollScan, type Step } from './scan.js';
import { watchOf, type TriggerInput, type Watch } from './watch.js';

const validateState = validator<ObjectChangedState>(stateSchema);

function enable(watch: Watch, ctx: RunContext): Promise<ObjectChangedState> {
  return watch.input.mode === 'ordered' ? enableOrdered(watch, ctx) : enableScan(watch, ctx);
}

/** The state to go on from, or why the trigger starts over from a new baseline. */
function resume(raw: unknown, watch: Watch): { state: ObjectChangedState } | { restart: string } {
  let state: ObjectChangedState;
  try {
    state = validateState(raw);
  } catch {
    return { restart: 'The state the host passed is not one this trigger wrote (damaged, or from another version)' };
  }
  if (state.cfg !== watch.fingerprint) return { restart: "The trigger's input or connection changed" };
  return { state };
}

async function poll(input: TriggerInput, ctx: RunContext, raw: unknown): Promise<PollResult> {
  const watch = watchOf(input, ctx);
  const warnings: string[] = [];
  let state: ObjectChangedState;
  if (raw === undefined) {
    // A host without `enable`: the first poll only baselines (and starts the first sweep).
    state = await enable(watch, ctx);
  } else {
    const resumed = resume(raw, watch);
    if ('restart' in resumed) {
      warnings.push(`${resumed.restart}: it starts over from now, and objects changed before this poll do not fire.`);
      state = await enable(watch, ctx);
    } else {
      state = resumed.state;
    }
  }
  const step: Step = state.mode === 'ordered' ? await pollOrdered(watch, ctx, state) : await pollScan(watch, ctx, state);
  warnings.push(...step.warnings);
  const degraded = warnings.length > 0 ? warnings.join(' ') : undefined;
  const events: TriggerEvent[] = step.found.map(({ object, change, backfill }) => eventOf(object, change, { backfill, degraded }));
  return { events, state: step.state, ...(step.more ? { more: true } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
}

export const objectChanged = defineTrigger({
  input: validator<TriggerInput>(inputSchema),
  enable: (input, ctx) => enable(watchOf(input, ctx), ctx),
  poll,
  sample: (input, ctx) => sampleEvents(watchOf(input, ctx), ctx),
});
