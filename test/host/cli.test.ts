/**
 * The CLI as a user runs it: the built bundle in a child process, against the real emulator, with the
 * exit code, stdout and stderr a script or a person sees.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressView } from '../../src/host/cli/progress.js';
import { promptConnection } from '../../src/host/cli/prompt.js';
import { loadConnector } from '../../src/host/core/connector.js';
import { EXIT_CODES } from '../../src/host/core/errors.js';
import { ConnectionStore } from '../../src/host/core/store.js';
import { useEmulator } from '../helpers/emulator.js';
import { rawClient } from '../helpers/seed.js';
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
  const sources = Math.max(newestSource(path.join(REPO_DIR, 'src/host/core')), newestSource(path.join(REPO_DIR, 'src/host/cli')));
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  mkdirSync(OWN_BUILD, { recursive: true });
  execFileSync(path.join(REPO_DIR, 'node_modules/.bin/tsup'), ['src/host/cli.ts', '--no-config', '--format', 'esm', '--platform', 'node', '--target', 'node20', '--out-dir', OWN_BUILD, '--silent'], { cwd: REPO_DIR, stdio: 'pipe' });
  cliPath = path.join(OWN_BUILD, 'cli.js');
}, 60_000);

afterAll(() => rmSync(OWN_BUILD, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with its own home; `onStart` gets the child, e.g. to press Ctrl-C. */
function cli(home: string, args: string[], options: { env?: NodeJS.ProcessEnv; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(S3_CONNECTOR_|AWS_)/.test(name)));
  const child = spawn(process.execPath, [cliPath, '--connector', PACKAGE_DIR, '--home', home, ...args], {
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

describe('s3-connector run', () => {
  it('prints the action output as JSON', async () => {
    const home = await homeWith();
    await rawClient(s3.endpoint).send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'notes/hello.txt', Body: 'hello', ContentType: 'text/plain' }));
    const result = await cli(home, ['run', 'head', '--connection', 'Emulator', '--input', '{"key":"notes/hello.txt"}', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ key: 'notes/hello.txt', size: 5, contentType: 'text/plain' });
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

  it('refuses a connector package that breaks the contract with the setup exit code', async () => {
    const result = await cli(tempDir(), ['actions', '--connector', tempDir()]);
    expect(result.code).toBe(EXIT_CODES.Setup);
    expect(result.stderr).toContain('cannot be loaded: The manifest "connector.json" cannot be read');
  });
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

describe('connections add in a terminal', () => {
  it('asks for each field in x-order, does not echo the secret, and asks again for a value the schema refuses', async () => {
    const connector = await loadConnector(PACKAGE_DIR, { lazyEntry: true });
    const input = new PassThrough();
    const output = new PassThrough();
    // name, access key, a secret pasted with a space, (bucket left empty: required), bucket, region (default),
    // no advanced settings, then the corrected secret.
    const answers = ['Photos', 'AKIAIOSFODNN7EXAMPLE', 'pasted secret', '', 'photo-bucket', '', 'n', 'wJalrXUtnFEMI/K7MDENG'];
    let transcript = '';
    output.on('data', (chunk: Buffer) => {
      transcript += chunk.toString();
      // Answer each question once it is asked, as a person would.
      if (/(: |\] )$/.test(chunk.toString())) setImmediate(() => input.write(`${answers.shift() ?? ''}\n`));
    });

    const values = await promptConnection(connector, { input, output });

    expect(values).toEqual({ name: 'Photos', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG', bucket: 'photo-bucket', region: 'us-east-1' });
    const asked = [...transcript.matchAll(/^(Connection name|Access key ID|Secret access key|Bucket|Region)\b/gm)].map((m) => m[1]);
    expect(asked).toEqual(['Connection name', 'Access key ID', 'Secret access key', 'Bucket', 'Bucket', 'Region', 'Secret access key']);
    expect(transcript).toContain('Bucket is required.');
    expect(transcript).toContain('✖ Expected a secret without spaces or line breaks (check for a stray space when pasting) for `connection.secretAccessKey` but received a hidden value.');
    expect(transcript).toContain('Change advanced settings (Base path, Custom endpoint');
    expect(transcript).not.toContain('pasted secret');
    expect(transcript).not.toContain('wJalrXUtnFEMI');
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
