/** The CLI's dispatcher: parses the command line, runs a command, and turns failures into exit codes. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, parse, USAGE, usageError } from './args.js';
import { actionsCommand, connectionsCommand, runCommand, startCommand, type Cli, type CliIO } from './commands.js';
import { watchCommand } from './watch.js';
import { queuedRunCommand, workerCommand } from './queue.js';
import { errorInfo, EXIT_CODES, exitCodeOf, HostError } from '../core/errors.js';
import { defaultHome, packageDirOf } from '../core/paths.js';

export async function main(argv: string[], io: CliIO): Promise<number> {
  let asJson = argv.includes('--json');
  try {
    const { command, flags } = parse(argv);
    asJson = flags.json === true;
    // The package this CLI ships in: its version, and the connector it loads unless --connector says otherwise.
    const ownPackage = packageDirOf(import.meta.url);
    if (flags.version) {
      const { version } = JSON.parse(readFileSync(path.join(ownPackage ?? '.', 'package.json'), 'utf8')) as { version: string };
      io.stdout.write(`${version}\n`);
      const notice = nodeSupportNotice(process.versions.node);
      if (notice) io.stderr.write(`${notice}\n`);
      return EXIT_CODES.ok;
    }
    const connectorDir = flags.connector ? path.resolve(flags.connector) : ownPackage;
    if (!connectorDir) throw new HostError('Setup', 'No connector.json found above this CLI: pass --connector <dir>.');
    const [name, ...rest] = command;
    const cli: Cli = { flags, io, connectorDir, home: flags.home ? path.resolve(flags.home) : defaultHome(io.env) };
    // `run <action> --help` is the action's own help, like `actions <action>`.
    if (flags.help && name === 'run' && rest.length === 1) return await actionsCommand(cli, rest[0]);
    if (flags.help || !name) {
      (name || flags.help ? io.stdout : io.stderr).write(`${USAGE}\n`);
      return flags.help ? EXIT_CODES.ok : EXIT_CODES.Usage;
    }
    switch (name) {
      case 'actions':
        if (rest.length > 1) throw usageError('`actions` takes at most one action id, e.g. `actions resize`.');
        return await actionsCommand(cli, rest[0]);
      case 'connections':
        return await connectionsCommand(cli, rest);
      case 'run':
        return cli.flags.queue === undefined && cli.flags.shards === undefined ? await runCommand(cli, rest) : await queuedRunCommand(cli, rest);
      case 'worker':
        return await workerCommand(cli, rest);
      case 'start':
        return await startCommand(cli, rest);
      case 'watch':
        return await watchCommand(cli, rest);
      default:
        throw usageError(`Unknown command \`${name}\`.`);
    }
  } catch (error) {
    return report(error, asJson, io);
  }
}

/**
 * The AWS SDK for JavaScript v3 announces that its releases after the first week of January 2027
 * need Node.js 22 (its NodeVersionSupportWarning, https://a.co/c895JFp). Said once here and in the
 * README instead of on every command.
 */
const SDK_NODE_MAJOR = 22;

export function nodeSupportNotice(nodeVersion: string): string | undefined {
  const major = Number(nodeVersion.split('.')[0]);
  if (major >= SDK_NODE_MAJOR) return undefined;
  return `Node.js ${nodeVersion} is supported. The AWS SDK for JavaScript that this package uses announces that its releases after the first week of January 2027 will need Node.js ${SDK_NODE_MAJOR} or later (https://a.co/c895JFp): upgrade Node.js before then. The CLI does not repeat the SDK's warning on every command.`;
}

/** Prints a failure (to stdout as JSON with --json, else to stderr) and returns its exit code. */
function report(error: unknown, asJson: boolean, io: CliIO): number {
  const info = errorInfo(error);
  const code = exitCodeOf(error);
  if (asJson) {
    const shown = info ?? { code: 'Bug', message: error instanceof Error ? error.message : String(error) };
    io.stdout.write(`${JSON.stringify({ error: { ...shown, exitCode: code } }, null, 2)}\n`);
  } else if (!info) {
    io.stderr.write(`${BIN}: unexpected error, please report it:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } else if (info.code === 'Usage' || info.code === 'Setup') {
    io.stderr.write(`${BIN}: ${info.message}\n`);
  } else {
    const errors = Array.isArray(info.details?.errors) ? (info.details.errors as { message: string }[]) : [];
    const text = errors.length > 1 ? errors.map((e) => `\n  - ${e.message}`).join('') : ` ${info.message}`;
    io.stderr.write(`✖ ${info.code}:${text}\n`);
  }
  return code;
}

