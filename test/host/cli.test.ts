/**
 * The CLI as a user runs it: the built bundle in a child process, against the real emulator, with the
 * exit code, stdout and stderr a script or a person sees.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCancel } from '../../src/host/cli/commands.js';
import { progressView } from '../../src/host/cli/progress.js';
import { promptConnection, promptInput, suggestCompleter } from '../../src/host/cli/prompt.js';
import { loadConnector } from '../../src/host/core/connector.js';
import { EXIT_CODES } from '../../src/host/core/errors.js';
import { openHost } from '../../src/host/core/run.js';
import { ConnectionStore } from '../../src/host/core/store.js';
import { useEmulator } from '../helpers/emulator.js';
import { rawClient } from '../helpers/seed.js';
import { screen } from '../helpers/terminal.js';
import { PACKAGE_DIR, REPO_DIR, useTempDirs } from './core/fixture.js';

const s3 = useEmulator();
const tempDir = useTempDirs('s3-cli-');
const BUILT = path.join(REPO_DIR, 'dist/host/cli.js');
// Inside the repository, so the bundle resolves its dependencies from node_modules.
const OWN_BUILD = path.join(REPO_DIR, `node_modules/.cache/host-cli-test-${process.pid}`);
let cliPath = BUILT;

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs),
  );
}

beforeAll(() => {
  // The shipped build when it is up to date; else a build of the CLI alone (tsup, like the package's).
  const sources = newestSource(path.join(REPO_DIR, 'src/host'));
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  mkdirSync(OWN_BUILD, { recursive: true });
  // The CLI and the demo that `start` imports beside it.
  execFileSync(path.join(REPO_DIR, 'node_modules/.bin/tsup'), ['src/host/cli.ts', 'src/host/demo.ts', '--no-config', '--format', 'esm', '--platform', 'node', '--target', 'node20', '--out-dir', OWN_BUILD, '--silent'], { cwd: REPO_DIR, stdio: 'pipe' });
  cliPath = path.join(OWN_BUILD, 'cli.js');
}, 60_000);

afterAll(() => rmSync(OWN_BUILD, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with its own home (`--home`; none given when null); `onSpawn` gets the child, e.g. to press Ctrl-C. */
function cli(home: string | null, args: string[], options: { env?: NodeJS.ProcessEnv; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(S3_CONNECTOR_|AWS_)/.test(name)));
  const child = spawn(process.execPath, [cliPath, '--connector', PACKAGE_DIR, ...(home === null ? [] : ['--home', home]), ...args], {
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  options.onSpawn?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A home with one saved connection to the emulator, saved in-process (the first test adds one through the CLI). */
async function homeWith(overrides: Record<string, unknown> = {}, name = 'Emulator'): Promise<string> {
  const home = tempDir();
  const store = await ConnectionStore.open(home);
  await store.create(await loadConnector(PACKAGE_DIR, { lazyEntry: true }), s3.connection({ name, ...overrides }));
  return home;
}

describe('s3-connector connections', () => {
  it('adds a connection from a file, lists it by label without its secret, tests it and removes it', async () => {
    const home = tempDir();
    const file = path.join(home, 'connection.json');
    writeFileSync(file, JSON.stringify(s3.connection({ name: 'Emulator' })));
    const added = await cli(home, ['connections', 'add', '--values', `@${file}`]);
    expect(added, added.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`Saved "Emulator (${s3.bucket}, us-east-1)"`) });
    const listed = await cli(home, ['connections', 'list', '--json']);
    expect(listed.code).toBe(0);
    const [saved] = JSON.parse(listed.stdout) as { id: string; label: string; values: object; secretsSet: string[] }[];
    expect(saved).toMatchObject({ label: `Emulator (${s3.bucket}, us-east-1)`, secretsSet: ['secretAccessKey'] });
    expect(listed.stdout).not.toContain(s3.connection().secretAccessKey);

    const tested = await cli(home, ['connections', 'test', 'Emulator']);
    expect(tested).toMatchObject({ code: 0, stdout: expect.stringContaining(`✔ Connected to bucket "${s3.bucket}"`) });

    expect(await cli(home, ['connections', 'rm', saved!.id])).toMatchObject({ code: 0, stdout: expect.stringContaining('Removed the connection "Emulator"') });
    expect((await cli(home, ['connections', 'list'])).stdout).toContain('No saved connections.');
  });

  it('shows the InvalidCredentials diagnosis for a wrong secret, with its own exit code', async () => {
    const home = await homeWith({ secretAccessKey: 'definitely-not-the-secret' });
    const [tested, json] = await Promise.all([cli(home, ['connections', 'test', 'Emulator']), cli(home, ['connections', 'test', 'Emulator', '--json'])]);
    expect(tested.code).toBe(EXIT_CODES.InvalidCredentials);
    expect(tested.stdout).toMatch(/^✖ InvalidCredentials: .*secret/i);
    expect(tested.stdout + tested.stderr).not.toContain('definitely-not-the-secret');
    expect(json.code).toBe(EXIT_CODES.InvalidCredentials);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: 'InvalidCredentials' });
  });

  it('creates a connection from the AWS_* variables of a .env file', async () => {
    const home = tempDir();
    const c = s3.connection();
    const dotenv = path.join(home, '.env');
    writeFileSync(dotenv, `AWS_ACCESS_KEY_ID=${c.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\nAWS_REGION=us-east-1\nAWS_BUCKET_NAME=${c.bucket}\nAWS_ENDPOINT_URL_S3=${c.endpoint}\n`);
    const added = await cli(home, ['connections', 'add', '--env-file', dotenv, '--name', 'From dotenv', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'From dotenv', values: { bucket: c.bucket, endpoint: c.endpoint } });
    expect((await cli(home, ['connections', 'test', 'From dotenv'])).code).toBe(0);
  });

  it('refuses to prompt without a terminal, and says what to pass instead', async () => {
    const result = await cli(tempDir(), ['connections', 'add']);
    expect(result.code).toBe(EXIT_CODES.Usage);
    expect(result.stderr).toContain('pass --values <json|@file> or --from-env');
  });
});

describe('help', () => {
  it('prints an action\'s fields from its schema: name, type, default, one line of description, an example', async () => {
    const [help, actions] = await Promise.all([cli(tempDir(), ['run', 'resize', '--help']), cli(tempDir(), ['actions', 'resize'])]);
    expect(help.code).toBe(0);
    expect(actions.stdout).toBe(help.stdout);
    const lines = help.stdout.split('\n');
    expect(lines[0]).toBe('resize: Resize image (Images)');
    expect(help.stdout).toContain(`Usage: s3-connector run resize --connection <name> --input '{"key":"photos/dog.jpg"}'`);
    const field = (name: string) => lines.slice(lines.findIndex((l) => l.startsWith(`  ${name}  (`))).slice(0, 2);
    expect(field('key')).toEqual(['  key  (string; required)', '      The source image\'s key, relative to the connection\'s base path. Example: "photos/dog.jpg"']);
    expect(field('fit')[0]).toBe('  fit  (one of inside, cover, contain, fill, outside; default "inside")');
    expect(field('width')[0]).toBe('  width  (integer 1–16383)');
    // Advanced fields come last, under their own heading; every description is one line.
    expect(lines.indexOf('Advanced fields:')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('  quality  (')));
    for (const line of lines.filter((l) => l.startsWith('      '))) expect(line.length, line).toBeLessThan(220);
  });

  it('tells how to give a file field a local path', async () => {
    const help = await cli(tempDir(), ['actions', 'put']);
    expect(help.stdout).toContain('  file  (file; a local file: --file file=<path>)');
  });

  it('answers an unknown or incomplete option in its own words, with the close match', async () => {
    const [typo, unknown, missing, valued] = await Promise.all([
      cli(tempDir(), ['run', 'list', '--conection', 'Demo']),
      cli(tempDir(), ['run', 'list', '--bogus']),
      cli(tempDir(), ['run', 'list', '--connection', 'Demo', '--input']),
      cli(tempDir(), ['actions', '--json=yes']),
    ]);
    for (const result of [typo, unknown, missing, valued]) {
      expect(result.code).toBe(EXIT_CODES.Usage);
      expect(result.stderr).not.toContain("place it at the end of the command after '--'");
    }
    expect(typo.stderr).toMatch(/^s3-connector: Unknown option --conection: did you mean --connection\? `run` takes --connection, --input, --file, /);
    expect(unknown.stderr).toContain('Unknown option --bogus. `run` takes --connection, --input, --file,');
    expect(unknown.stderr).toContain('Run `s3-connector run --help` for usage.');
    expect(missing.stderr).toContain(`--input needs a value, e.g. --input '{"key":"photos/dog.jpg"}'.`);
    expect(valued.stderr).toContain('--json takes no value: write --json alone.');
  });
});

describe('s3-connector run', () => {
  it('prints the action output as JSON', async () => {
    const home = await homeWith();
    await rawClient(s3.endpoint).send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'notes/hello.txt', Body: 'hello', ContentType: 'text/plain' }));
    const result = await cli(home, ['run', 'head', '--connection', 'Emulator', '--input', '{"key":"notes/hello.txt"}', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ key: 'notes/hello.txt', size: 5, contentType: 'text/plain' });
  });

  it('prints nothing on stderr for a successful bulk resize: no SDK notice, no listener warning', async () => {
    const home = await homeWith();
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c2410c' } }).jpeg().toBuffer();
    const client = rawClient(s3.endpoint);
    for (let i = 0; i < 12; i++) {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `quiet/img-${i}.jpg`, Body: image, ContentType: 'image/jpeg' }));
    }
    const input = { prefix: 'quiet/', sizes: ['16x', '24x'], destinationKey: 'quiet-out/{name}-{size}.{ext}', concurrency: 8 };
    const result = await cli(home, ['run', 'resizeMany', '--connection', 'Emulator', '--input', JSON.stringify(input)]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ processed: 12, written: 24 });
    expect(result.stderr).toBe('');
  });

  it('says once, in --version, what the AWS SDK announces about Node.js versions', async () => {
    const result = await cli(null, ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(result.stderr).toContain(`Node.js ${process.versions.node} is supported. The AWS SDK for JavaScript that this package uses announces that its releases after the first week of January 2027 will need Node.js 22 or later`);
    } else {
      expect(result.stderr).toBe('');
    }
  });

  it('uploads a local file given by path, and downloads to a file whose path it prints', async () => {
    const home = await homeWith();
    const dir = tempDir();
    const logo = path.join(dir, 'logo.svg');
    writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const noise = path.join(dir, 'noise.bin');
    const bytes = randomBytes(300_000);
    writeFileSync(noise, bytes);

    const [flag, inline] = await Promise.all([
      cli(home, ['run', 'put', '--connection', 'Emulator', '--input', '{"key":"up/logo.svg"}', '--file', logo]),
      cli(home, ['run', 'put', '--connection', 'Emulator', '--input', JSON.stringify({ key: 'up/noise.bin', file: `@${noise}` })]),
    ]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout)).toMatchObject({ key: 'up/logo.svg', size: 41, contentType: 'image/svg+xml' });
    expect(inline.code, inline.stderr).toBe(0);
    expect(JSON.parse(inline.stdout)).toMatchObject({ key: 'up/noise.bin', size: bytes.length, contentType: 'application/octet-stream' });

    const got = await cli(home, ['run', 'get', '--connection', 'Emulator', '--input', '{"key":"up/noise.bin","as":"file"}']);
    expect(got.code, got.stderr).toBe(0);
    const { file } = JSON.parse(got.stdout) as { file: { name: string; path: string } };
    expect(file).toMatchObject({ name: 'noise.bin', path: expect.stringMatching(new RegExp(`^${home}/files/[0-9a-f-]+\\.bin$`)) });
    expect(readFileSync(file.path).equals(bytes)).toBe(true);
  });

  it('says how to pass a local file when given a path where a file reference goes', async () => {
    const home = await homeWith();
    const [asRef, asString] = await Promise.all([
      cli(home, ['run', 'put', '--connection', 'Emulator', '--input', '{"key":"up/logo.svg","file":{"id":"/tmp/logo.svg","name":"logo.svg"}}']),
      cli(home, ['run', 'put', '--connection', 'Emulator', '--input', '{"key":"up/logo.svg","file":"/tmp/logo.svg"}']),
      ]);
    expect(asRef.code).toBe(EXIT_CODES.InvalidInput);
    expect(asRef.stderr).toContain('"/tmp/logo.svg" is not the id of a file in this host\'s file store. To upload a local file, give its path: --file <path>, or "file": "@<path>" in --input.');
    expect(asRef.stderr).not.toContain('..');
    expect(asString.code).toBe(EXIT_CODES.InvalidInput);
    const missing = await cli(home, ['run', 'put', '--connection', 'Emulator', '--input', '{"key":"a"}', '--file', '/nonexistent/logo.svg']);
    expect(missing).toMatchObject({ code: EXIT_CODES.Usage, stderr: 's3-connector: Cannot read the file /nonexistent/logo.svg: there is no such file.\n' });
  });

  it('exits with one stable code per error code, and the error as JSON with --json', async () => {
    const home = await homeWith();
    const run = (connection: string, input: string, ...flags: string[]) => cli(home, ['run', 'head', '--connection', connection, '--input', input, ...flags]);
    const [missing, invalid, unknownConnection, badJson, unknownCommand, unknownAction] = await Promise.all([
      run('Emulator', '{"key":"nope.jpg"}', '--json'),
      run('Emulator', '{}'),
      run('Elsewhere', '{"key":"a"}'),
      run('Emulator', '{key: a}'),
      cli(home, ['frobnicate']),
      cli(home, ['run', 'teleport', '--connection', 'Emulator']),
    ]);
    expect(missing.code).toBe(EXIT_CODES.NotFound);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'NotFound', message: expect.stringContaining('nope.jpg'), exitCode: 15 } });
    expect(invalid.code).toBe(EXIT_CODES.InvalidInput);
    expect(invalid.stderr).toMatch(/✖ InvalidInput: .*`key`/);
    expect(unknownConnection).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringContaining('No saved connection is named or has the id "Elsewhere". Saved connections: "Emulator".') });
    expect(badJson).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringContaining('--input from --input is not valid JSON') });
    expect(unknownCommand).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringContaining('Unknown command `frobnicate`.') });
    expect(unknownAction).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringMatching(/Unknown action "teleport"\. Available actions: head, .*list/) });
  });

  it('diagnoses a missing bucket and an unreachable endpoint with their own codes', async () => {
    const [noBucket, closed] = await Promise.all([homeWith({ bucket: 'no-such-bucket' }), homeWith({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })]);
    const [bucket, network] = await Promise.all([cli(noBucket, ['connections', 'test', 'Emulator']), cli(closed, ['connections', 'test', 'Emulator'])]);
    expect(bucket).toMatchObject({ code: EXIT_CODES.BucketNotFound, stdout: expect.stringContaining('✖ BucketNotFound:') });
    expect(network).toMatchObject({ code: EXIT_CODES.Network, stdout: expect.stringContaining('✖ Network:') });
  });

  it('names a home folder it cannot use, with the setup exit code', async () => {
    const file = path.join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const home = path.join(file, 'home');
    const [fromFlag, fromEnv] = await Promise.all([
      cli(home, ['connections', 'list']),
      cli(null, ['connections', 'list'], { env: { S3_CONNECTOR_HOME: home } }),
    ]);
    for (const result of [fromFlag, fromEnv]) {
      expect(result.code).toBe(EXIT_CODES.Setup);
      expect(result.stderr).toBe(`s3-connector: Cannot use ${home} as the host's home folder: ${file} is a file, not a folder. Set S3_CONNECTOR_HOME or --home to a folder you can write to.\n`);
    }
  });

  it('refuses a connector package that breaks the contract with the setup exit code', async () => {
    const result = await cli(tempDir(), ['actions', '--connector', tempDir()]);
    expect(result.code).toBe(EXIT_CODES.Setup);
    expect(result.stderr).toContain('cannot be loaded: The manifest "connector.json" cannot be read');
  });
});

describe('one home for start and the CLI', () => {
  /** `start` in its own process, resolved once it prints its summary; stopped with Ctrl-C. */
  async function start(env: NodeJS.ProcessEnv) {
    let child: ReturnType<typeof spawn> | undefined;
    const ready = new Promise<{ url: string; endpoint: string; home: string; connection: string; accessKeyId: string; secretAccessKey: string }>((resolve, reject) => {
      const exited = cli(null, ['start', '--json'], {
        env,
        onSpawn: (spawned) => {
          child = spawned;
          let out = '';
          spawned.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            try {
              resolve(JSON.parse(out));
            } catch {
              // not whole yet
            }
          });
        },
      });
      void exited.then((result) => reject(new Error(`start exited early: ${result.stderr}`)));
    });
    const summary = await ready;
    return { ...summary, stop: () => new Promise<void>((resolve) => {
      child!.once('close', () => resolve());
      child!.kill('SIGINT');
    }) };
  }

  it('saves the demo connection where the CLI finds it, keeps what the user saves, and refreshes the emulator\'s port on each start', async () => {
    const home = path.join(tempDir(), 'home');
    const env = { S3_CONNECTOR_HOME: home };
    const first = await start(env);
    let second: Awaited<ReturnType<typeof start>> | undefined;
    try {
      // The emulator's test keys, printed so they can be used elsewhere.
      expect(first).toMatchObject({ home, connection: 'Demo bucket (embedded emulator)', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
      const listed = await cli(null, ['connections', 'list'], { env });
      expect(listed.stdout).toContain('Demo bucket (embedded emulator) (demo-images, us-east-1)');
      const run = await cli(null, ['run', 'list', '--connection', 'Demo bucket (embedded emulator)', '--input', '{"prefix":"photos/"}'], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).objects).toHaveLength(5);
      // The user saves a connection of their own while the demo runs.
      const added = await cli(null, ['connections', 'add', '--values', JSON.stringify(s3.connection({ name: 'Mine' }))], { env });
      expect(added.code, added.stderr).toBe(0);
    } finally {
      await first.stop();
    }
    try {
      second = await start(env);
      expect(second.endpoint).not.toBe(first.endpoint);
      const listed = await cli(null, ['connections', 'list', '--json'], { env });
      const saved = JSON.parse(listed.stdout) as { name: string; values: { endpoint: string } }[];
      expect(saved.map((c) => c.name).sort()).toEqual(['Demo bucket (embedded emulator)', 'Mine']);
      expect(saved.find((c) => c.name.startsWith('Demo'))!.values.endpoint).toBe(second.endpoint);
      expect((await cli(null, ['connections', 'test', 'Demo bucket (embedded emulator)'], { env })).code).toBe(0);
    } finally {
      await second?.stop();
    }
  }, 60_000);

  it('prints how to use the demo from another terminal, and the emulator\'s key pair', async () => {
    const home = path.join(tempDir(), 'home');
    let banner = '';
    const done = cli(home, ['start'], {
      onSpawn: (child) =>
        child.stdout!.on('data', (chunk: Buffer) => {
          banner += chunk.toString();
          if (banner.includes('Press Ctrl-C to stop.')) child.kill('SIGINT');
        }),
    });
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(banner).toMatch(/^Playground: http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(banner).toContain('  access key ID:      AKIAIOSFODNN7EXAMPLE\n  secret access key:  wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    expect(banner).toContain(`Saved connections, their key and files: ${home} (kept).`);
    expect(banner).toMatch(new RegExp(`connections list --home "${home}"\n`));
    expect(banner).toContain(`run list --connection "Demo bucket (embedded emulator)" --input '{"prefix":"photos/"}' --home "${home}"`);
  }, 60_000);
});

describe('Ctrl-C', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let connected: () => void = () => {};
  beforeAll(async () => {
    // An endpoint that accepts connections and never answers: the run hangs until it is cancelled.
    server = createServer((socket) => {
      sockets.add(socket);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  it('cancels a running action through its signal and exits with 130', async () => {
    const { port } = server.address() as { port: number };
    const home = await homeWith({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 60_000 }, 'Hanging');
    const started = Date.now();
    const result = await cli(home, ['run', 'head', '--connection', 'Hanging', '--input', '{"key":"a.jpg"}'], {
      onSpawn: (child) => {
        connected = () => child.kill('SIGINT');
      },
    });
    expect(result.code).toBe(EXIT_CODES.Aborted);
    expect(result.stderr).toContain('Cancelling…');
    expect(result.stderr).toContain('✖ Aborted:');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

/** Streams standing in for a terminal: answers each question as it is asked, and keeps the transcript. */
function conversation(answers: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let transcript = '';
  output.on('data', (chunk: Buffer) => {
    transcript += chunk.toString();
    // Answer each question once it is asked, as a person would.
    if (/(: |\] )$/.test(chunk.toString())) setImmediate(() => input.write(`${answers.shift() ?? ''}\n`));
  });
  return { io: { input, output }, transcript: () => transcript };
}

describe('connections add in a terminal', () => {
  it('asks for each field in x-order with the endpoint early, checks each answer as it is given, and never echoes the secret', async () => {
    const connector = await loadConnector(PACKAGE_DIR, { lazyEntry: true });
    // name, no endpoint, a secret key pasted as the key ID (refused at once: AWS IDs start AKIA), the key ID,
    // a secret with a space (refused at once), the secret, (bucket left empty: required), bucket, region (Enter:
    // the default), no advanced settings.
    const { io, transcript } = conversation(['Photos', '', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE', 'pasted secret', 'wJalrXUtnFEMI/K7MDENG', '', 'photo-bucket', '', 'n']);

    const values = await promptConnection(connector, io);

    expect(values).toEqual({ name: 'Photos', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG', bucket: 'photo-bucket', region: 'us-east-1' });
    const asked = [...transcript().matchAll(/^(Connection name|Custom endpoint|Access key ID|Secret access key|Bucket|Region)\b/gm)].map((m) => m[1]);
    expect(asked).toEqual(['Connection name', 'Custom endpoint', 'Access key ID', 'Access key ID', 'Secret access key', 'Secret access key', 'Bucket', 'Bucket', 'Region']);
    expect(transcript()).toContain('✖ Expected an AWS access key ID: 20 characters starting with AKIA or ASIA');
    expect(transcript()).toContain('Bucket is required.');
    expect(transcript()).toContain('✖ Expected a secret without spaces or line breaks (check for a stray space when pasting) for `connection.secretAccessKey` but received a hidden value.');
    expect(transcript()).toMatch(/^Region \[Enter: "us-east-1"; Tab completes\]: /m);
    // A secret pasted as the key ID is not echoed in the message that refuses it.
    expect(transcript()).toContain('for `connection.accessKeyId` but received a value of 40 characters (not shown: it looks like a secret).');
    expect(transcript()).toContain('Change advanced settings (Base path, Path-style URLs');
    expect(transcript()).not.toContain('pasted secret');
    expect(transcript()).not.toContain('wJalrXUtnFEMI');
  });

  it('says what to type, and shows the defaults a custom endpoint brings (path-style URLs, checksums)', async () => {
    const connector = await loadConnector(PACKAGE_DIR, { lazyEntry: true });
    // name, a MinIO endpoint, its own kind of key ID, secret, bucket, region, then the advanced settings: all Enter.
    const { io, transcript } = conversation(['MinIO', 'http://localhost:9000', 'minioadmin', 'minio-secret', 'photos', '', 'y']);
    const values = await promptConnection(connector, io);
    expect(values).toMatchObject({ name: 'MinIO', endpoint: 'http://localhost:9000', accessKeyId: 'minioadmin', forcePathStyle: true, checksums: 'whenRequired' });
    expect(transcript()).toMatch(/^Path-style URLs \(optional\) \[y\/n; Enter: y\]: /m);
    expect(transcript()).toMatch(/^ {2}1\. Only when the operation requires them \(compatible\) {2}\(default\)$/m);
    expect(transcript()).toMatch(/^Checksums \(optional\) \[1-2 or a value; Enter: "whenRequired"\]: /m);
    expect(transcript()).toMatch(/^Attempts \(optional\) \[a whole number; Enter: 3\]: /m);
  });
});

describe('run in a terminal', () => {
  it('asks for the action\'s fields, completing a key with Tab from the bucket', async () => {
    const client = rawClient(s3.endpoint);
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tab/sunset.jpg', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'tab/notes/a.txt', Body: 'x' }));
    const connector = await loadConnector(PACKAGE_DIR);
    const home = await homeWith();
    const host = await openHost({ connectorDir: PACKAGE_DIR, home });
    const input = new PassThrough();
    // A terminal: readline reads keys, so Tab completes.
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let screenText = '';
    output.on('data', (chunk: Buffer) => (screenText += chunk.toString()));
    const typed = (text: string) => new Promise<void>((resolve) => setTimeout(() => { input.write(text); resolve(); }, 50));
    const asked = promptInput(connector, connector.action('head'), { input, output }, {
      suggest: (field, _kind, query, so) => host.suggest('Emulator', { action: 'head', field, input: so, query }),
      file: (file) => host.files.adopt(file),
    });
    await typed('tab/su');
    await typed('\t');
    // The completion goes to the bucket: wait for it to land on the line, then accept it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await typed('\r');
    expect(await asked).toEqual({ key: 'tab/sunset.jpg' });
    expect(screen(screenText).join('\n')).toContain('Key [e.g. "photos/dog.jpg"; Tab completes]: tab/sunset.jpg');
  });

  it('completes with the folders and keys under what is typed, folders first', async () => {
    const completer = suggestCompleter(async (query) => ({ options: [{ value: `${query}2024/` }, { value: `${query}dog.jpg` }] }));
    const result = await new Promise<[string[], string]>((resolve) => completer('photos/', (_error, value) => resolve(value)));
    expect(result).toEqual([['photos/2024/', 'photos/dog.jpg'], 'photos/']);
  });
});

describe('progress', () => {
  function stream(isTTY: boolean) {
    const out = Object.assign(new PassThrough(), { isTTY, columns: 100 });
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { out: out as unknown as NodeJS.WriteStream, text: () => text };
  }

  it('draws a bar with the count and the current item on a terminal', () => {
    const { out, text } = stream(true);
    const view = progressView(out);
    view.update({ done: 3, total: 12, message: 'photos/alps.jpg' });
    view.stop();
    expect(text()).toMatch(/25% 3\/12 photos\/alps\.jpg/);
  });

  it('writes the Ctrl-C notice and log lines above the bar, where they stay once the bar is cleared', async () => {
    const { out, text } = stream(true);
    const view = progressView(out);
    view.update({ done: 3, total: 12, message: 'photos/alps.jpg' });
    view.log('[warn] resizeMany: photos/broken.jpg is not an image');
    const run = withCancel(async (signal) => {
      view.update({ done: 4, total: 12, message: 'photos/desert.jpg' });
      process.emit('SIGINT');
      expect(signal.aborted).toBe(true);
      // The run winds down: its last reports still arrive.
      view.update({ done: 5, total: 12, message: 'photos/night.jpg' });
      await new Promise((resolve) => setTimeout(resolve, 150));
      throw signal.reason;
    }, view.log);
    await expect(run).rejects.toThrow('Cancelled with Ctrl-C');
    view.stop();
    out.write('✖ Aborted: The run was cancelled.\n');
    out.write('$ echo EXIT=$?\nEXIT=130\n');
    expect(screen(text()).filter(Boolean)).toEqual([
      '[warn] resizeMany: photos/broken.jpg is not an image',
      'Cancelling… (press Ctrl-C again to quit at once)',
      '✖ Aborted: The run was cancelled.',
      '$ echo EXIT=$?',
      'EXIT=130',
    ]);
  });

  it('stays silent when stderr is not a terminal (pipes, CI logs)', () => {
    const { out, text } = stream(false);
    const view = progressView(out);
    view.update({ done: 3, total: 12 });
    view.stop();
    expect(text()).toBe('');
  });
});

describe('s3-connector watch', () => {
  const WATCH = ['watch', 'objectChanged', '--connection', 'Emulator', '--input', '{"prefix":"watched/"}', '--interval', '5'];

  /** Resolves once `stream` has printed text matching `pattern`. */
  function printed(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<void> {
    let seen = '';
    return new Promise((resolve) => {
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (!pattern.test(seen)) return;
        stream.off('data', onData);
        resolve();
      };
      stream.on('data', onData);
    });
  }

  const keysPrinted = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { data: { key: string } }).data.key);

  it('prints one JSON line per new object, stops on Ctrl-C, and a restart resumes exactly: nothing lost, nothing repeated', async () => {
    const home = await homeWith();
    const writer = rawClient(s3.endpoint);
    const put = (key: string) => writer.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: key }));
    await put('watched/existing.txt');

    const first = await cli(home, WATCH, {
      onSpawn: (child) => {
        void printed(child.stderr!, /Watching "New or updated object" .* every 5 s, from now/).then(async () => {
          await put('watched/a.txt');
          await printed(child.stdout!, /watched\/a\.txt/);
          child.kill('SIGINT');
        });
      },
    });
    expect(first.code, first.stderr).toBe(EXIT_CODES.Aborted);
    expect(keysPrinted(first.stdout)).toEqual(['watched/a.txt']);
    expect(JSON.parse(first.stdout)).toMatchObject({ type: 'object.changed', occurredAt: expect.stringMatching(/Z$/), data: { key: 'watched/a.txt', size: 13 } });
    expect(first.stderr).toContain('Stopped. The next watch resumes from the last poll.');

    // Written while nothing watches: the restart's first poll sends them, and only them.
    await put('watched/b.txt');
    await put('watched/c.txt');
    const second = await cli(home, WATCH, {
      onSpawn: (child) => {
        void printed(child.stdout!, /watched\/b\.txt[\s\S]*watched\/c\.txt|watched\/c\.txt[\s\S]*watched\/b\.txt/).then(() => child.kill('SIGINT'));
      },
    });
    expect(second.code, second.stderr).toBe(EXIT_CODES.Aborted);
    expect(second.stderr).toContain('resuming from the last poll');
    expect(keysPrinted(second.stdout).sort()).toEqual(['watched/b.txt', 'watched/c.txt']);
    writer.destroy();
  }, 60_000);

  it('refuses a second watch of the same trigger, an interval below its minimum, and an unknown trigger', async () => {
    const home = await homeWith();
    let second: Result | undefined;
    const first = await cli(home, WATCH, {
      onSpawn: (child) => {
        void printed(child.stderr!, /Watching/).then(async () => {
          second = await cli(home, WATCH);
          child.kill('SIGINT');
        });
      },
    });
    expect(first.code).toBe(EXIT_CODES.Aborted);
    expect(second).toMatchObject({ code: EXIT_CODES.Conflict, stderr: expect.stringContaining('is already being watched by another process') });

    const [tooOften, unknown] = await Promise.all([
      cli(home, ['watch', 'objectChanged', '--connection', 'Emulator', '--interval', '1']),
      cli(home, ['watch', 'fileAppeared', '--connection', 'Emulator']),
    ]);
    expect(tooOften).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringContaining('Expected --interval to be a number of seconds of at least 5') });
    expect(unknown).toMatchObject({ code: EXIT_CODES.Usage, stderr: expect.stringContaining('Unknown trigger "fileAppeared". Available triggers: objectChanged.') });
  }, 60_000);
});
