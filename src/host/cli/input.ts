import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { HostError } from '../core/errors.js';

/**
 * A JSON value from a flag: inline (`'{"key":"a.jpg"}'`), from a file (`@input.json`) or from
 * standard input (`@-`), so secrets and large inputs need not sit in the shell history.
 */
export async function jsonArgument(flag: string, raw: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<unknown> {
  let source = raw;
  let where = `--${flag}`;
  if (raw.startsWith('@')) {
    const file = raw.slice(1);
    where = file === '-' ? 'standard input' : file;
    try {
      source = file === '-' ? await text(stdin) : readFileSync(file, 'utf8');
    } catch (error) {
      throw new HostError('Usage', `Cannot read --${flag} from ${where}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new HostError('Usage', `--${flag} from ${where} is not valid JSON (${(error as Error).message}). Quote it for the shell, e.g. --${flag} '{"key":"photo.jpg"}', or pass a file with --${flag} @file.json.`, { cause: error });
  }
}

/** Like jsonArgument, for flags that must be a JSON object. */
export async function jsonObjectArgument(flag: string, raw: string, stdin?: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  const value = await jsonArgument(flag, raw, stdin);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HostError('Usage', `--${flag} must be a JSON object, e.g. '{"key":"photo.jpg"}'.`);
  }
  return value as Record<string, unknown>;
}
