import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HostError } from '../core/errors.js';

export const BIN = 's3-connector';

export const USAGE = `Usage: ${BIN} <command> [options]

Commands:
  actions                              List the connector's actions
  connections add                      Save a connection (asks for each field in a terminal)
      [--values <json|@file>] [--from-env] [--env-file <path>] [--name <name>]
  connections list                     List saved connections by label
  connections test <name|id>           Test a saved connection and show the diagnosis
  connections rm <name|id>             Remove a saved connection
  run <action> --connection <name|id> [--input <json|@file|@->]
                                       Run an action with a saved connection
  run resizeMany --connection <name|id> --queue <redis-url> [--shards N] [--input …]
                                       Split the prefix into N key ranges (default 16), queue them
                                       for workers, show the progress and print the summary
  worker --queue <redis-url> [--concurrency N] [--lock-duration <ms>]
                                       Run queued jobs with this machine's saved connections
  start                                Start the playground (the S3 emulator and the web page)

Options:
  --json              Machine-readable output on stdout
  --connector <dir>   The connector package to load (default: the one this CLI ships in)
  --home <dir>        Where saved connections live (default: $S3_CONNECTOR_HOME or ~/.s3-connector)
  -v, --verbose       Show the connector's debug and info log lines on stderr
  -h, --help          Show this help
  --version           Show the version

Saved secrets are encrypted with the key in $S3_CONNECTOR_SECRET_KEY, or in <home>/secret.key.
Exit codes: 0 ok, 1 bug, 2 usage, 3 setup, 10-22 one per connector error code, 130 cancelled.`;

const GLOBAL = {
  json: { type: 'boolean' },
  connector: { type: 'string' },
  home: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

const COMMAND = {
  values: { type: 'string' },
  'from-env': { type: 'boolean' },
  'env-file': { type: 'string' },
  name: { type: 'string' },
  connection: { type: 'string', short: 'c' },
  input: { type: 'string', short: 'i' },
  queue: { type: 'string' },
  shards: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-duration': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Which command options each command takes: the rest are refused, not silently ignored. */
const ALLOWED: Record<string, readonly (keyof typeof COMMAND)[]> = {
  'connections add': ['values', 'from-env', 'env-file', 'name'],
  run: ['connection', 'input', 'queue', 'shards'],
  worker: ['queue', 'concurrency', 'lock-duration'],
};

export type Flags = {
  [K in keyof typeof GLOBAL | keyof typeof COMMAND]?: (typeof GLOBAL & typeof COMMAND)[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Args {
  command: string[];
  flags: Flags;
}

export function usageError(message: string): HostError {
  return new HostError('Usage', `${message}\nRun \`${BIN} --help\` for usage.`);
}

export function parse(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...COMMAND }, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const flags = parsed.values as Flags;
  const command = parsed.positionals;
  const key = command[0] === 'connections' ? `connections ${command[1] ?? ''}` : (command[0] ?? '');
  const allowed = ALLOWED[key] ?? [];
  const stray = (Object.keys(COMMAND) as (keyof typeof COMMAND)[]).filter((flag) => flags[flag] !== undefined && !allowed.includes(flag));
  if (stray.length > 0 && key) throw usageError(`\`${key.trim()}\` takes no --${stray.join(', --')}.`);
  return { command, flags };
}
