import { parseArgs } from 'node:util';
import { editDistance } from '../../edit-distance.js';
import { HostError } from '../core/errors.js';

export const BIN = 's3-connector';

export const USAGE = `Usage: ${BIN} <command> [options]

Commands:
  actions [<action>]                   List the connector's actions, or show one action's fields
  connections add                      Save a connection (asks for each field in a terminal)
      [--values <json|@file>] [--from-env] [--env-file <path>] [--name <name>]
  connections list                     List saved connections by label
  connections test <name|id>           Test a saved connection and show the diagnosis
  connections rm <name|id>             Remove a saved connection
  run <action> --connection <name|id> [--input <json|@file|@->] [--file [<field>=]<path>]
                                       Run an action with a saved connection; in a terminal,
                                       without --input, it asks for the fields (Tab completes keys)
  watch <trigger> --connection <name|id> [--input <json|@file|@->] [--interval <seconds>]
                                       Poll a trigger, one JSON line per event; resumes after a restart
  run resizeMany --connection <name|id> --queue <redis-url> [--shards N] [--input …]
                                       Split the prefix into N key ranges (default 16), queue them
                                       for workers, show the progress and print the summary
  worker --queue <redis-url> [--concurrency N] [--lock-duration <ms>]
                                       Run queued jobs with this machine's saved connections
  run <action> --help                  Show the action's fields: type, default, description, example
  start [aws]                          Start the playground (the S3 emulator and the web page)

Options:
  --json              Machine-readable output on stdout
  --connector <dir>   The connector package to load (default: the one this CLI ships in)
  --home <dir>        Where saved connections and files live (default: $S3_CONNECTOR_HOME or ~/.s3-connector)
  -v, --verbose       Show the connector's debug and info log lines on stderr
  -h, --help          Show this help
  --version           Show the version

Local files: pass --file <path> (or "file": "@<path>" in --input) to upload one; a file an action
returns (get with "as": "file") is saved under <home>/files, and its "path" is printed.
Saved secrets are encrypted with the key in $S3_CONNECTOR_SECRET_KEY, or in <home>/secret.key.
Exit codes: 0 ok, 1 bug, 2 usage, 3 setup, 10-22 one per connector error code, 130 cancelled.`;

interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** For the message when the value is missing. */
  example?: string;
}

const GLOBAL = {
  json: { type: 'boolean' },
  connector: { type: 'string', example: '--connector ./my-connector' },
  home: { type: 'string', example: '--home ~/.s3-connector' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies Record<string, OptionSpec>;

const COMMAND = {
  values: { type: 'string', example: `--values '{"name":"Photos","bucket":"my-bucket",...}'` },
  'from-env': { type: 'boolean' },
  'env-file': { type: 'string', example: '--env-file .env' },
  name: { type: 'string', example: '--name "Photos (production)"' },
  connection: { type: 'string', short: 'c', example: '--connection "Photos (production)"' },
  input: { type: 'string', short: 'i', example: `--input '{"key":"photos/dog.jpg"}'` },
  file: { type: 'string', multiple: true, example: '--file file=./logo.svg' },
  interval: { type: 'string', example: '--interval 60' },
  queue: { type: 'string', example: '--queue redis://127.0.0.1:6379' },
  shards: { type: 'string', example: '--shards 16' },
  concurrency: { type: 'string', example: '--concurrency 2' },
  'lock-duration': { type: 'string', example: '--lock-duration 30000' },
} as const satisfies Record<string, OptionSpec>;

const OPTIONS: Record<string, OptionSpec> = { ...GLOBAL, ...COMMAND };

/** Which command options each command takes: the rest are refused, not silently ignored. */
const ALLOWED: Record<string, readonly (keyof typeof COMMAND)[]> = {
  'connections add': ['values', 'from-env', 'env-file', 'name'],
  run: ['connection', 'input', 'file', 'queue', 'shards'],
  watch: ['connection', 'input', 'interval'],
  worker: ['queue', 'concurrency', 'lock-duration'],
};

type Value<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S extends { multiple: true } ? string[] : string;

export type Flags = { [K in keyof typeof GLOBAL]?: Value<(typeof GLOBAL)[K]> } & { [K in keyof typeof COMMAND]?: Value<(typeof COMMAND)[K]> };

export interface Args {
  command: string[];
  flags: Flags;
}

export function usageError(message: string): HostError {
  return new HostError('Usage', `${message}\nRun \`${BIN} --help\` for usage.`);
}

function commandKey(positionals: string[]): string {
  return positionals[0] === 'connections' ? `connections ${positionals[1] ?? ''}`.trim() : (positionals[0] ?? '');
}

/** The options `key` takes, as people type them. */
function optionsOf(key: string): string[] {
  return [...(ALLOWED[key] ?? []), ...Object.keys(GLOBAL)].map((name) => `--${name}`);
}

function unknownOption(raw: string, key: string): HostError {
  const known = optionsOf(key);
  const close = known
    .map((option) => ({ option, d: editDistance(raw.replace(/^-+/, ''), option.slice(2)) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  const where = key ? `\`${key}\`` : BIN;
  return new HostError(
    'Usage',
    `Unknown option ${raw}${close ? `: did you mean ${close.option}?` : '.'} ${where} takes ${known.join(', ')}.\nRun \`${BIN} ${key ? `${key} ` : ''}--help\` for usage.`,
  );
}

/**
 * The command line, checked option by option with messages of our own: Node's parseArgs explains
 * unknown options in terms of its own syntax ("place it at the end of the command after '--'").
 */
export function parse(argv: string[]): Args {
  const { values, positionals, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const key = commandKey(positionals);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = OPTIONS[token.name];
    if (!spec) throw unknownOption(token.rawName, key);
    // Non-strict parsing takes `--input --json` as an input of "--json": a missing value, really.
    const swallowed = !token.inlineValue && typeof token.value === 'string' && /^--?[A-Za-z]/.test(token.value) && OPTIONS[token.value.replace(/^-+/, '').split('=')[0]!] !== undefined;
    if (spec.type === 'string' && (token.value === undefined || swallowed)) {
      throw usageError(`${token.rawName} needs a value${spec.example ? `, e.g. ${spec.example}` : ''}.`);
    }
    if (spec.type === 'boolean' && token.inlineValue) throw usageError(`${token.rawName} takes no value: write ${token.rawName} alone.`);
  }
  const flags = values as Flags;
  const allowed = ALLOWED[key] ?? [];
  const stray = (Object.keys(COMMAND) as (keyof typeof COMMAND)[]).filter((flag) => flags[flag] !== undefined && !allowed.includes(flag));
  if (stray.length > 0 && key) throw usageError(`\`${key}\` takes no --${stray.join(', --')}.`);
  return { command: positionals, flags };
}
