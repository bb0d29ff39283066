import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { DeserializeMiddleware } from '@smithy/types';
import type { About, RunContext, S3Command } from '../action.js';
import { endpointHost } from '../map-error.js';
import { ConnectorError } from '../errors.js';

/** An answer and S3's clock when it sent it, in whole seconds (the resolution of its Date header and of LastModified). */
export interface Timed<O> {
  output: O;
  serverTime: number;
}

function dateHeader(response: unknown): string | undefined {
  const headers = (response as { headers?: Record<string, string | undefined> } | undefined)?.headers ?? {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'date') return value;
  return undefined;
}

/**
 * `ctx.send`, reading the answer's `Date` header: a trigger's watermark is S3's own clock, never the
 * host's, so a host whose clock is off neither loses nor repeats objects. The SDK keeps response
 * headers out of its outputs, so a middleware on this one command reads them.
 */
export async function sendTimed<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  ctx: RunContext,
  command: S3Command<I, O>,
  about?: About,
): Promise<Timed<O>> {
  let date: string | undefined;
  const readDate: DeserializeMiddleware<I, O> = (next) => async (args) => {
    const result = await next(args);
    date = dateHeader(result.response) ?? date;
    return result;
  };
  command.middlewareStack.add(readDate, { step: 'deserialize', name: 'readServerDate', override: true });
  const output = await ctx.send(command, about);
  const time = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(time)) {
    const host = endpointHost({ endpoint: ctx.connection.endpoint, region: ctx.connection.region });
    throw new ConnectorError(
      'ServerError',
      `${host} answered without a valid Date header${date === undefined ? '' : ` (it sent "${date.slice(0, 40)}")`}. The trigger dates changes by the service's own clock and cannot work without it: use an S3-compatible service that sends Date, as HTTP requires.`,
      { retryable: false, details: { date: date ?? null } },
    );
  }
  return { output, serverTime: Math.floor(time / 1000) };
}

/**
 * Waits until S3's clock has left the second of an answer just received (its Date is truncated to the
 * second, so one full second later is past it by the service's clock too, whatever the host's says).
 * Used after a baseline: an object written once it returns is dated after it, never in its second.
 */
export async function passServerSecond(signal: AbortSignal | undefined): Promise<void> {
  await sleep(1000, undefined, signal ? { signal } : {});
}
