/**
 * `s3-connector watch <trigger> --connection <name> [--input …] [--interval …]`: the reference host's
 * scheduler for a polling trigger (host contract 1.1, section 5). It polls, hands each event on as one
 * JSON line (a readable line in a terminal), and keeps the state in the host's store after every poll,
 * so a restart resumes where the last poll left off. Ctrl-C stops it between or during polls; a poll
 * cut short leaves the saved state as it was, which the contract guarantees is still valid.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_CODES, errorInfo } from '../core/errors.js';
import { cancelOnSigint, openHost } from '../core/run.js';
import { claimWatch } from '../core/trigger-store.js';
import { unknownTrigger, type PollResult, type TriggerEvent, type TriggerState } from '../core/triggers.js';
import { usageError } from './args.js';
import type { Cli } from './commands.js';
import { jsonArgument } from './input.js';

/** When --interval is not given: once a minute, or the trigger's own minimum if that is longer. */
const DEFAULT_INTERVAL_SECONDS = 60;

function intervalOf(flag: string | undefined, minimum: number): number {
  if (flag === undefined) return Math.max(DEFAULT_INTERVAL_SECONDS, minimum);
  const seconds = Number(flag);
  if (!Number.isFinite(seconds) || seconds < minimum) {
    throw usageError(`Expected --interval to be a number of seconds of at least ${minimum} (the trigger's minimum) but received "${flag}".`);
  }
  return seconds;
}

/** A terminal line: the time, the type, and the event's plain fields. */
function readable(event: TriggerEvent): string {
  const fields = Object.entries(event.data)
    .filter(([, value]) => value === null || typeof value !== 'object')
    .map(([name, value]) => `${name}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
  return `${event.occurredAt}  ${event.type}  ${fields.join(' ')}`;
}

export async function watchCommand(cli: Cli, [triggerId, ...rest]: string[]): Promise<number> {
  if (!triggerId || rest.length > 0) throw usageError('`watch` takes one trigger id, e.g. `watch objectChanged --connection <name>`.');
  if (!cli.flags.connection) throw usageError('`watch` needs --connection <name|id>: see `connections list`.');
  const { stdout, stderr } = cli.io;
  const host = await openHost({ connectorDir: cli.connectorDir, home: cli.home, env: cli.io.env, lazyEntry: true });
  const trigger = host.connector.triggers.find((t) => t.id === triggerId);
  if (!trigger) throw unknownTrigger(triggerId, host.connector.triggers);
  const input = cli.flags.input === undefined ? {} : await jsonArgument('input', cli.flags.input, cli.io.stdin);
  const interval = intervalOf(cli.flags.interval, trigger.minIntervalSeconds);
  const saved = host.store.resolve(cli.flags.connection);
  const log = (level: string, msg: string, data?: unknown) => {
    if (cli.flags.verbose || level === 'warn' || level === 'error') stderr.write(`[${level}] ${msg}${data === undefined ? '' : ` ${JSON.stringify(data)}`}\n`);
  };

  const watch = await claimWatch(cli.home, saved.id, trigger.id);
  const cancel = cancelOnSigint(() => stderr.write('\nStopping… (press Ctrl-C again to quit at once)\n'));
  const { signal } = cancel;
  try {
    const record = watch.read();
    const handedOn = record?.handedOn ?? [];
    let state: TriggerState = record?.state;
    if (state === undefined) {
      // The baseline: what exists now fires nothing. Without `enable`, the first poll baselines instead.
      state = await host.trigger(trigger.id, 'enable', saved.id, input, { signal, log });
      if (state !== undefined) await watch.save(state, handedOn);
    }
    stderr.write(`Watching "${trigger.name}" with "${saved.label}" every ${interval} s${record?.state === undefined ? ', from now' : ', resuming from the last poll'}. Ctrl-C to stop.\n`);
    while (!signal.aborted) {
      let result: PollResult;
      try {
        result = (await host.trigger(trigger.id, 'poll', saved.id, input, { signal, log, state })) as PollResult;
      } catch (error) {
        const info = errorInfo(error);
        if (signal.aborted) break;
        if (!info?.retryable) throw error;
        stderr.write(`[warn] The poll failed (${info.code}: ${info.message}); the state is kept, and the next poll in ${interval} s tries again.\n`);
        await sleep(interval * 1000, undefined, { signal }).catch(() => {});
        continue;
      }
      // Events already handed on (a poll replayed after a crash) are dropped by id, as the contract asks.
      const known = new Set(handedOn);
      for (const event of result.events) {
        if (known.has(event.id)) continue;
        stdout.write(`${stdout.isTTY && !cli.flags.json ? readable(event) : JSON.stringify(event)}\n`);
        handedOn.push(event.id);
        known.add(event.id);
      }
      state = result.state;
      await watch.save(state, handedOn);
      if (!result.more) await sleep(interval * 1000, undefined, { signal }).catch(() => {});
    }
    stderr.write('Stopped. The next watch resumes from the last poll.\n');
    return EXIT_CODES.Aborted;
  } finally {
    cancel.dispose();
    await watch.release();
  }
}
