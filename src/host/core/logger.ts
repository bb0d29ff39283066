/**
 * The contract's Logger for the host, with every secret value masked before it reaches a sink:
 * in the message and in any string nested in the data.
 */
import type { Logger } from './connector.js';

export const MASK = '••••';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogSink = (level: LogLevel, msg: string, data?: unknown) => void;

/** The forms a secret may take in a log line: as given, and URL-encoded (AWS secrets hold `/` and `+`). */
function variants(secrets: readonly string[]): string[] {
  const all = secrets.filter((s) => typeof s === 'string' && s.length > 0).flatMap((s) => [s, encodeURIComponent(s)]);
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(all)].sort((a, b) => b.length - a.length);
}

/** A copy of `value` with every secret replaced by ••••; errors become { name, message }. */
export function maskSecrets<T>(value: T, secrets: readonly string[]): T {
  const masks = variants(secrets);
  if (masks.length === 0) return value;
  const seen = new WeakSet<object>();
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return masks.reduce((text, secret) => text.split(secret).join(MASK), v);
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(mask);
    if (v instanceof Error) return { name: v.name, message: mask(v.message) };
    return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, mask(inner)]));
  };
  return mask(value) as T;
}

/** The connection's secret values, given its secret field names. */
export function secretValues(values: Record<string, unknown>, secretFields: readonly string[]): string[] {
  return secretFields.map((f) => values[f]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export function maskingLogger(sink: LogSink, secrets: readonly string[]): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, data?: object): void =>
      data === undefined ? sink(level, maskSecrets(msg, secrets)) : sink(level, maskSecrets(msg, secrets), maskSecrets(data, secrets));
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
