import { runHook, type RunContext } from '../action.js';
import type { PollResult, TriggerEvent, TriggerHandler, TriggerState } from '../contract.js';
import type { Validator } from '../validate.js';

export interface TriggerSpec<I> {
  input: Validator<I>;
  enable(input: I, ctx: RunContext): Promise<TriggerState>;
  poll(input: I, ctx: RunContext, state: TriggerState | undefined): Promise<PollResult>;
  sample(input: I, ctx: RunContext): Promise<TriggerEvent[]>;
}

/**
 * Wraps a trigger's hooks like actions (action.ts): the connection and input validated before any
 * network call, the leased client, every failure a ConnectorError. A failed poll throws before it
 * returns any state, so the host keeps the one it passed, which stays valid: nothing is lost.
 */
export function defineTrigger<I>(spec: TriggerSpec<I>): TriggerHandler {
  return {
    enable: (input, ctx) => runHook(spec.input, input, ctx, spec.enable),
    poll: (input, ctx) =>
      runHook(spec.input, input, ctx, async (valid, run) => {
        const result = await spec.poll(valid, run, ctx.state);
        // Loud, never silent: the host's log, besides `warnings` and the events' `degraded`.
        for (const warning of result.warnings ?? []) run.logger?.warn(warning);
        return result;
      }),
    sample: (input, ctx) => runHook(spec.input, input, ctx, spec.sample),
  };
}
