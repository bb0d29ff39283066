/** Shared by the trigger tests: the trigger driven as a host drives it, against the real emulator. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import type { PollResult, TriggerEvent, TriggerState } from '../../src/contract.js';
import { triggers } from '../../src/index.js';
import { useEmulator } from '../helpers/emulator.js';
import { rawClient } from '../helpers/seed.js';

export const trigger = triggers.objectChanged!;

export interface Driven {
  events: TriggerEvent[];
  /** The events of each poll, in order. */
  batches: TriggerEvent[][];
  state: TriggerState;
  /** Polls it took (each `more: true` asks for one more at once). */
  polls: number;
  warnings: string[];
}

/** Polls until the trigger stops asking for more, as a host does, collecting every event. */
export async function pollUntilSettled(input: object, connection: object, state: TriggerState, maxPolls = 100): Promise<Driven> {
  const batches: TriggerEvent[][] = [];
  const warnings: string[] = [];
  let polls = 0;
  let result: PollResult;
  do {
    result = await trigger.poll(input, { connection, state });
    polls++;
    batches.push(result.events);
    warnings.push(...(result.warnings ?? []));
    state = result.state;
  } while (result.more && polls < maxPolls);
  if (result.more) throw new Error(`Still asking for more after ${maxPolls} polls.`);
  return { events: batches.flat(), batches, state, polls, warnings };
}

export const keysOf = (events: readonly TriggerEvent[]): string[] => events.map((e) => (e.data as { key: string }).key);

/** JSON round trip, as a host stores the state, and deeply frozen, so a hook that changed it in place would throw. */
export function stored(state: TriggerState): TriggerState {
  const freeze = (value: unknown): unknown => {
    if (typeof value === 'object' && value !== null) {
      for (const inner of Object.values(value)) freeze(inner);
      Object.freeze(value);
    }
    return value;
  };
  return freeze(JSON.parse(JSON.stringify(state)));
}

/** Waits until the wall clock enters a new second, so the writes that follow share one second of S3's clock. */
export async function atSecondStart(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

export interface Proxy {
  endpoint: string;
  /** Every request passed on, as "METHOD path?query". */
  requests: string[];
  /** The next request matching `when` gets S3's 500 InternalError instead of reaching the emulator. */
  failNext(when: (request: IncomingMessage) => boolean): void;
}

/**
 * A loopback proxy in front of the emulator that counts requests and can fail one, the way S3 does now
 * and then: what a test needs to see how many requests a poll makes, and a poll failing midway. The
 * Host header goes through untouched, so SigV4 signatures still match.
 */
export function useProxy(target: () => string): Proxy {
  let server: Server;
  let endpoint = '';
  const requests: string[] = [];
  const failures: Array<(request: IncomingMessage) => boolean> = [];
  beforeAll(async () => {
    server = createServer((incoming, outgoing) => {
      const failing = failures.findIndex((when) => when(incoming));
      if (failing !== -1) {
        failures.splice(failing, 1);
        incoming.resume();
        outgoing.writeHead(500, { 'content-type': 'application/xml', date: new Date().toUTCString() });
        outgoing.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
        return;
      }
      requests.push(`${incoming.method} ${incoming.url}`);
      const { port } = new URL(target());
      const forward = request({ host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forward.on('error', () => outgoing.destroy());
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    get endpoint() {
      return endpoint;
    },
    requests,
    failNext: (when) => failures.push(when),
  };
}

/** A temporary folder for the emulator's files, so a test can seed objects straight into it (seedDirectly). */
export function useEmulatorDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 's3-trigger-emulator-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/**
 * Objects written straight into the emulator's folder, in its on-disk layout (`<key>._S3rver_object`,
 * dated by the file's mtime, and its MD5 beside it): ten thousand take a few seconds this way, where as many PUTs take half a
 * minute on a busy machine. The trigger then lists them through the S3 API like any other object.
 */
export async function seedDirectly(directory: string, bucket: string, objects: ReadonlyArray<{ key: string; time: Date }>): Promise<void> {
  const folders = new Set(objects.map(({ key }) => path.dirname(path.join(directory, bucket, key))));
  await Promise.all([...folders].map((folder) => mkdir(folder, { recursive: true })));
  for (let at = 0; at < objects.length; at += 500) {
    await Promise.all(
      objects.slice(at, at + 500).map(async ({ key, time }) => {
        const file = path.join(directory, bucket, `${key}._S3rver_object`);
        await writeFile(file, key);
        await utimes(file, time, time);
        // The ETag the emulator would otherwise compute on its first listing.
        await writeFile(`${file}.md5`, createHash('md5').update(key).digest('hex'));
      }),
    );
  }
}

/**
 * A trigger test file's scene: the emulator in a folder of its own (for seedDirectly), a counting and
 * failing proxy in front of it, and a plain SDK client to write objects with.
 */
export function useTriggerScene() {
  const directory = useEmulatorDirectory();
  const s3 = useEmulator({ directory });
  const proxy = useProxy(() => s3.endpoint);
  let client: S3Client | undefined;
  beforeAll(() => {
    client = rawClient(s3.endpoint);
  });
  afterAll(() => client?.destroy());
  const writer = (): S3Client => client!;
  const put = (key: string, body: string = key) => writer().send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  return { directory, s3, proxy, writer, put };
}
