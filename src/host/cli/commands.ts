/** The CLI's commands. Each returns its exit code; expected failures are thrown as HostError or ConnectorError. */
import path from 'node:path';
import { loadConnector, type TestResult } from '../core/connector.js';
import { connectionFromEnv } from '../core/env.js';
import { shownDetails } from '../core/details.js';
import { exitCodeFor, HostError } from '../core/errors.js';
import type { LogLevel } from '../core/logger.js';
import { defaultHome } from '../core/paths.js';
import { openHost, cancelOnSigint, throttleProgress, type Host } from '../core/run.js';
import { BIN, usageError, type Flags } from './args.js';
import { FILE_HINT, withLocalFiles, withPaths } from './files.js';
import { actionHelp } from './help.js';
import { jsonArgument, jsonObjectArgument } from './input.js';
import { progressView, type ProgressView } from './progress.js';
import { confirm, promptConnection, promptInput } from './prompt.js';

export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

export interface Cli {
  flags: Flags;
  io: CliIO;
  connectorDir: string;
  home: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The entry is imported on the first hook call: listing and saving start without loading the SDKs. */
function open(cli: Cli): Promise<Host> {
  return openHost({ connectorDir: cli.connectorDir, home: cli.home, env: cli.io.env, lazyEntry: true, filesHint: FILE_HINT });
}

const stderrLine = (cli: Cli) => (line: string) => write(cli.io.stderr, line);

/** Log lines on stderr: warnings and errors always, debug and info with --verbose. */
function logSink(cli: Cli, view?: ProgressView) {
  return (level: LogLevel, msg: string, data?: unknown) => {
    if (!cli.flags.verbose && (level === 'debug' || level === 'info')) return;
    const line = `[${level}] ${msg}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`;
    if (view) view.log(line);
    else write(cli.io.stderr, line);
  };
}

export async function actionsCommand(cli: Cli, actionId?: string): Promise<number> {
  const connector = await loadConnector(cli.connectorDir, { lazyEntry: true });
  if (actionId !== undefined) {
    const action = connector.action(actionId);
    write(cli.io.stdout, cli.flags.json ? json(action) : actionHelp(action));
    return 0;
  }
  const list = connector.actions.map(({ id, name, description, group }) => ({ id, name, description, ...(group ? { group } : {}) }));
  if (cli.flags.json) {
    write(cli.io.stdout, json(list));
    return 0;
  }
  const groups = new Map<string, typeof list>();
  for (const action of list) groups.set(action.group ?? 'Other', [...(groups.get(action.group ?? 'Other') ?? []), action]);
  const width = Math.max(...list.map((a) => a.id.length));
  const lines = [`${connector.manifest.name} ${connector.manifest.version}: ${connector.manifest.description}`];
  for (const [group, actions] of groups) {
    lines.push('', group);
    for (const a of actions) lines.push(`  ${a.id.padEnd(width)}  ${a.name}: ${a.description}`);
  }
  lines.push('', `Show an action's fields: ${BIN} actions <action>`, `Run one with: ${BIN} run <action> --connection <name> --input '{...}'`);
  write(cli.io.stdout, lines.join('\n'));
  return 0;
}

export async function connectionsCommand(cli: Cli, [sub, ...rest]: string[]): Promise<number> {
  const target = () => {
    if (rest.length !== 1) throw usageError(`\`connections ${sub}\` takes one saved connection name or id.`);
    return rest[0]!;
  };
  switch (sub) {
    case 'add':
      if (rest.length > 0) throw usageError('`connections add` takes no arguments: give values with --values, --from-env, or answer the questions.');
      return add(cli);
    case 'list':
    case 'ls':
      return list(cli);
    case 'test':
      return test(cli, target());
    case 'rm':
    case 'remove': {
      const ref = target();
      const host = await open(cli);
      const saved = host.store.resolve(ref);
      await host.store.delete(saved.id);
      write(cli.io.stdout, cli.flags.json ? json({ removed: saved.id }) : `Removed the connection "${saved.name}" (${saved.id}).`);
      return 0;
    }
    default:
      throw usageError(sub ? `Unknown command \`connections ${sub}\`.` : '`connections` needs a command: add, list, test or rm.');
  }
}

async function list(cli: Cli): Promise<number> {
  const saved = (await open(cli)).store.list();
  if (cli.flags.json) {
    write(cli.io.stdout, json(saved));
    return 0;
  }
  if (saved.length === 0) {
    write(cli.io.stdout, `No saved connections. Add one with: ${BIN} connections add`);
    return 0;
  }
  const width = Math.max(...saved.map((c) => c.id.length), 2);
  write(cli.io.stdout, [`${'ID'.padEnd(width)}  CONNECTION`, ...saved.map((c) => `${c.id.padEnd(width)}  ${c.label}`)].join('\n'));
  return 0;
}

async function valuesFromFlags(cli: Cli): Promise<Record<string, unknown> | undefined> {
  const { values, name } = cli.flags;
  const fromEnv = cli.flags['from-env'] || cli.flags['env-file'] !== undefined;
  if (!fromEnv && values === undefined) return undefined;
  return {
    ...(fromEnv ? connectionFromEnv(cli.io.env, cli.flags['env-file']) : {}),
    ...(values === undefined ? {} : await jsonObjectArgument('values', values, cli.io.stdin)),
    ...(name === undefined ? {} : { name }),
  };
}

async function add(cli: Cli): Promise<number> {
  const host = await open(cli);
  let values = await valuesFromFlags(cli);
  const interactive = values === undefined;
  if (interactive) {
    if (!cli.io.stdin.isTTY) {
      throw usageError('`connections add` asks its questions only in a terminal: pass --values <json|@file> or --from-env [--env-file .env].');
    }
    const io = { input: cli.io.stdin, output: cli.io.stderr };
    values = await promptConnection(host.connector, io);
    if (cli.flags.name !== undefined) values.name = cli.flags.name;
    write(cli.io.stderr, '\nTesting the connection…');
    const result = await withCancel((signal) => host.test({ values: values! }, { signal, log: logSink(cli) }), stderrLine(cli));
    write(cli.io.stderr, describeTest(result));
    if (!result.ok && !(await confirm(io, 'Save it anyway?'))) {
      write(cli.io.stderr, 'Not saved.');
      return exitCodeFor(result.code);
    }
  }
  const saved = await host.store.create(host.connector, values!);
  write(
    cli.io.stdout,
    cli.flags.json ? json(saved) : `Saved "${saved.label}" (id ${saved.id}).${interactive ? '' : ` Test it with: ${BIN} connections test "${saved.name}"`}`,
  );
  return 0;
}

async function test(cli: Cli, ref: string): Promise<number> {
  const host = await open(cli);
  const result = await withCancel((signal) => host.test(ref, { signal, log: logSink(cli) }), stderrLine(cli));
  write(cli.io.stdout, cli.flags.json ? json(result) : describeTest(result));
  return result.ok ? 0 : exitCodeFor(result.code);
}

/** A test result as the person at the terminal reads it: the verdict, the message, then what the details add. */
export function describeTest(result: TestResult): string {
  const lines = [result.ok ? `✔ ${result.message}` : `✖ ${result.code}: ${result.message}`];
  const { policy, ...details } = (result.details ?? {}) as Record<string, unknown>;
  for (const [key, value] of shownDetails(details, result.message)) {
    lines.push(`  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  if (policy !== undefined) lines.push('', 'The minimal IAM policy this connection needs:', JSON.stringify(policy, null, 2));
  return lines.join('\n');
}

export async function runCommand(cli: Cli, [actionId, ...rest]: string[]): Promise<number> {
  if (!actionId || rest.length > 0) throw usageError('`run` takes one action id, e.g. `run list --connection <name>`.');
  if (!cli.flags.connection) throw usageError('`run` needs --connection <name|id>: see `connections list`.');
  const host = await open(cli);
  const action = host.connector.action(actionId);
  // An unknown connection is refused before any question is asked.
  const connection = host.store.resolve(cli.flags.connection).id;
  let given: unknown;
  if (cli.flags.input !== undefined) given = await jsonArgument('input', cli.flags.input, cli.io.stdin);
  else if (cli.io.stdin.isTTY && !cli.flags.json) {
    // In a terminal, the fields are asked for; key fields complete with Tab from the bucket.
    given = await promptInput(host.connector, action, { input: cli.io.stdin, output: cli.io.stderr }, {
      suggest: (field, _kind, query, so) => host.suggest(connection, { action: action.id, field, input: so, query }),
      file: (file) => host.files.adopt(file),
    });
  } else given = {};
  const input = await withLocalFiles(action, given, cli.flags.file ?? [], host.files);
  const view = progressView(cli.io.stderr);
  try {
    const output = await withCancel(
      (signal) => host.run(actionId, connection, input, { signal, log: logSink(cli, view), progress: throttleProgress((p) => view.update(p)) }),
      view.log,
    );
    view.stop();
    write(cli.io.stdout, json(withPaths(output, host.files)));
    return 0;
  } finally {
    view.stop();
  }
}

/**
 * Runs `work` with a signal that Ctrl-C aborts; the connector then fails with Aborted and cleans up.
 * `say` writes the notice: through the progress view while a bar is drawn, so the bar does not
 * overwrite it.
 */
export async function withCancel<T>(work: (signal: AbortSignal) => Promise<T>, say: (line: string) => void): Promise<T> {
  const cancel = cancelOnSigint(() => say('Cancelling… (press Ctrl-C again to quit at once)'));
  try {
    return await work(cancel.signal);
  } finally {
    cancel.dispose();
  }
}

type Demo = import('../demo.js').Demo;

interface DemoModule {
  startDemo(options: import('../demo.js').DemoOptions): Promise<Demo>;
}

/** How to use the running demo from another terminal: the same home, the emulator's test keys. */
function startBanner(cli: Cli, demo: Demo): string {
  // Run from the repository (npm start), the CLI is this file, not an `s3-connector` on the PATH.
  const script = process.argv[1] ?? '';
  const relative = path.relative(process.cwd(), script);
  const bin = path.basename(script) === 'cli.js' ? `node ${relative.startsWith('..') ? script : relative}` : BIN;
  // Another terminal finds this home by itself only when it is ~/.s3-connector (S3_CONNECTOR_HOME may not be set there).
  const home = cli.home === defaultHome({}) ? '' : ` --home ${JSON.stringify(cli.home)}`;
  const name = JSON.stringify(demo.connection.name);
  const lines = [`Playground: ${demo.url}`, ''];
  if (demo.endpoint && demo.emulatorKeys) {
    lines.push(
      `S3 emulator: ${demo.endpoint}, bucket "${demo.bucket}". Its data is temporary: it goes when this stops.`,
      `  access key ID:      ${demo.emulatorKeys.accessKeyId}`,
      `  secret access key:  ${demo.emulatorKeys.secretAccessKey}`,
      "  (AWS's documentation example keys: test keys, no one's secret.)",
      '',
    );
  }
  lines.push(
    `Saved connections, their key and files: ${demo.home} (kept). The demo connection is "${demo.connection.name}".`,
    'From another terminal, while this runs:',
    `  ${bin} connections list${home}`,
    `  ${bin} run list --connection ${name} --input '{"prefix":"photos/"}'${home}`,
    `  ${bin} run resize --connection ${name} --input '{"key":"photos/sunset.jpg","width":320}'${home}`,
    '',
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

/**
 * `start [aws]`: the playground (src/host/demo.ts), with the embedded emulator or, with `aws`, the
 * AWS_* environment, in the CLI's own home. Loaded only when asked for, so every other command works without it.
 */
export async function startCommand(cli: Cli, [mode, ...rest]: string[]): Promise<number> {
  if ((mode !== undefined && mode !== 'aws') || rest.length > 0) throw usageError('`start` takes nothing, or `aws` to use the AWS_* environment instead of the emulator.');
  let demo: DemoModule;
  try {
    demo = (await import(/* @vite-ignore */ new URL('./demo.js', import.meta.url).href)) as DemoModule;
  } catch (error) {
    throw new HostError('Setup', `The playground is not built (${(error as Error).message}). Run \`npm run build\` first.`, { cause: error });
  }
  const running = await demo.startDemo({ connectorDir: cli.connectorDir, home: cli.home, env: cli.io.env, ...(mode === 'aws' ? { aws: true } : {}) });
  const summary = { url: running.url, endpoint: running.endpoint, bucket: running.bucket, home: running.home, connection: running.connection.name, ...(running.emulatorKeys ?? {}) };
  write(cli.io.stdout, cli.flags.json ? json(summary) : startBanner(cli, running));
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return 0;
}
