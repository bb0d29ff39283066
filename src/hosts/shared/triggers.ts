/**
 * The host's side of polling triggers (contract section 5), once for every adapter: what a host keeps
 * between polls, a first poll that only baselines, `more: true` followed back to back within a bound (no
 * host here can be asked to "call again now"), and events whose id was already delivered dropped. Each
 * adapter only says where the record lives (n8n's static data, Activepieces' store, a Node-RED node's
 * context) and how events leave (items, payloads, messages).
 */
import type { ActionContext, TriggerEvent } from '../../contract.js';
import { errorFacts, triggerHooks, type Contract, type TriggerHandler } from './contract.js';

/** What a host stores for one enabled trigger: plain JSON, the connector's state at most 64 KiB of it. */
export interface SavedTrigger {
  /** The trigger the state belongs to: after the user picks another trigger, the old state is not passed on. */
  trigger: string;
  /** Opaque: what the connector's last poll (or `enable`) returned. */
  state: unknown;
  /** Ids of the events delivered lately, oldest first: a replayed one is dropped (contract: the host's duty). */
  delivered: string[];
}

/**
 * Ids remembered to drop replays: a replayed poll repeats at most one poll's events, and a poll delivers
 * far fewer than this for the trigger here (its sweeps release the changes of a look-back window).
 */
export const REMEMBERED_IDS = 1000;

/** Polls run back to back within one host poll while the connector answers `more: true`. */
export const MAX_ROUNDS = 20;

export interface PollOutcome {
  /** New events, in the connector's order, none delivered before. */
  events: TriggerEvent[];
  /** What to store for the next poll, in the same step that hands the events on. */
  saved: SavedTrigger;
  /** The connector still has more to read: poll again soon, not at the next tick, where the host can. */
  more: boolean;
}

export interface PollOptions {
  /** At most this many connector polls (default MAX_ROUNDS). */
  maxRounds?: number;
  /** No further connector poll starts after this time (ms since the epoch). */
  deadline?: number;
}

/** Baselines a trigger the user turned on: what exists now fires nothing. */
export async function enableTrigger(contract: Contract, id: string, input: unknown, ctx: ActionContext): Promise<SavedTrigger> {
  const hooks = await triggerHooks(contract, id);
  if (!hooks.enable) return (await pollRounds(hooks, id, input, ctx, undefined, [], { maxRounds: 1 })).saved;
  return { trigger: id, state: await hooks.enable(input, ctx), delivered: [] };
}

/**
 * One host poll. Without a saved record of this trigger, it baselines (through `enable`, or the first
 * poll with no state, as the contract has it). A failure in the first connector poll is thrown and the
 * saved record stays valid; one after some polls succeeded is logged, and their progress is kept.
 */
export async function pollTrigger(contract: Contract, id: string, input: unknown, ctx: ActionContext, saved: SavedTrigger | undefined, options: PollOptions = {}): Promise<PollOutcome> {
  const previous = saved?.trigger === id ? saved : undefined;
  if (!previous) return { events: [], saved: await enableTrigger(contract, id, input, ctx), more: false };
  return pollRounds(await triggerHooks(contract, id), id, input, ctx, previous.state, previous.delivered, options);
}

/** "Test trigger": recent real events, newest first; no state changes. */
export async function sampleTrigger(contract: Contract, id: string, input: unknown, ctx: ActionContext): Promise<TriggerEvent[]> {
  return (await triggerHooks(contract, id)).sample(input, ctx);
}

async function pollRounds(hooks: TriggerHandler, id: string, input: unknown, ctx: ActionContext, state: unknown, delivered: string[], options: PollOptions): Promise<PollOutcome> {
  const maxRounds = options.maxRounds ?? MAX_ROUNDS;
  const seen = new Set(delivered);
  const events: TriggerEvent[] = [];
  let rounds = 0;
  let more = false;
  do {
    let result;
    try {
      result = await hooks.poll(input, { ...ctx, state });
    } catch (error) {
      if (rounds === 0) throw error;
      ctx.logger?.warn(`Polling stopped after ${rounds} of its back-to-back polls: ${errorFacts(error).message} The next poll goes on from there.`);
      more = false;
      break;
    }
    rounds++;
    state = result.state;
    more = result.more === true;
    for (const event of result.events) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
    }
  } while (more && rounds < maxRounds && (options.deadline === undefined || Date.now() < options.deadline));
  const ids = [...delivered, ...events.map((e) => e.id)].slice(-REMEMBERED_IDS);
  return { events, saved: { trigger: id, state, delivered: ids }, more };
}
