/**
 * For the queue tests: a real redis-server on a free loopback port, the built CLI in child processes
 * (workers and the command that queues a run), and a count of the PUTs the emulator answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PACKAGE_DIR, REPO_DIR } from '../host/core/fixture.js';

const CLI = path.join(REPO_DIR, 'dist/host/cli.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Debian's redis-server (scripts/ensure-redis.sh installs it) on 127.0.0.1 and a free port, with
 * nothing saved to disk, for the file's tests; stopped after them.
 */
export function useRedis(extraArgs: string[] = []) {
  let server: ChildProcess | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
      const ready = await new Promise<boolean>((resolve, reject) => {
        let output = '';
        child.on('error', (error) => reject(new Error(`redis-server could not start (${error.message}): run scripts/ensure-redis.sh`)));
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve(true);
        });
        // Another process took the port between the probe and the start: try another.
        child.on('exit', () => resolve(false));
      });
      if (ready) {
        server = child;
        url = `redis://127.0.0.1:${port}`;
        return;
      }
      if (attempt >= 3) throw new Error('redis-server would not start on a free port');
    }
  });
  afterAll(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });
  return {
    get url(): string {
      if (!url) throw new Error('redis-server is not running: call useRedis() at the top of the file.');
      return url;
    },
  };
}

export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first stderr line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** The built CLI (`npm test` builds before it runs) with its own home, as a user runs it. */
export function startCli(home: string, args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(S3_CONNECTOR_|AWS_)/.test(name)));
  const child = spawn(process.execPath, [CLI, '--connector', PACKAGE_DIR, '--home', home, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watcher of [...watchers]) {
      const line = stderr.split('\n').find((l) => watcher.pattern.test(l));
      if (line !== undefined) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      const line = stderr.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No line matching ${pattern} within ${timeoutMs} ms. stderr:\n${stderr}`)), timeoutMs);
        watchers.push({
          pattern,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((code) => reject(new Error(`The process exited (${code}) before a line matching ${pattern}. stderr:\n${stderr}`)));
      });
    },
  };
}

/** Stops a CLI process that may still run: SIGTERM, then SIGKILL if it lingers. */
export async function stopCli(process_: CliProcess): Promise<number | null> {
  if (process_.child.exitCode !== null || process_.child.signalCode !== null) return process_.exited;
  process_.child.kill('SIGTERM');
  const timer = setTimeout(() => process_.child.kill('SIGKILL'), 15_000);
  try {
    return await process_.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every PUT the emulator (in this process) received, by key, with when it arrived: Node's diagnostics
 * channel sees the server's side, whichever process sent the request, and counts attempts too (a PUT
 * whose client died mid-request, or that failed, still counts: an output is never PUT twice unseen).
 */
export function watchPuts(bucket: string) {
  const seen = new Map<string, number[]>();
  const listeners: Array<(key: string) => void> = [];
  const onStart = (message: unknown) => {
    const { request } = message as { request: IncomingMessage };
    if (request.method !== 'PUT') return;
    const url = new URL(request.url ?? '/', 'http://emulator');
    const prefix = `/${bucket}/`;
    // PutObject only (the SDK marks it ?x-id=PutObject); not the parts of a multipart upload.
    if (!url.pathname.startsWith(prefix) || url.searchParams.has('uploadId')) return;
    const key = decodeURIComponent(url.pathname.slice(prefix.length));
    seen.set(key, [...(seen.get(key) ?? []), Date.now()]);
    for (const listener of listeners) listener(key);
  };
  subscribe('http.server.request.start', onStart);
  afterAll(() => unsubscribe('http.server.request.start', onStart));
  return {
    /** Keys under `prefix` and how many PUTs each received. */
    counts(prefix: string): Map<string, number> {
      return new Map([...seen].filter(([key]) => key.startsWith(prefix)).map(([key, times]) => [key, times.length]));
    },
    /** When the last PUT under `prefix` arrived. */
    last(prefix: string): number {
      return Math.max(0, ...[...seen].filter(([key]) => key.startsWith(prefix)).flatMap(([, times]) => times));
    },
    /** Calls `listener` on each PUT. */
    onPut(listener: (key: string) => void): void {
      listeners.push(listener);
    },
  };
}
