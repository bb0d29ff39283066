/**
 * A fault-injecting HTTP proxy on 127.0.0.1, between the SDK and the emulator: it cuts, stalls,
 * slows, corrupts or answers requests itself, as a hostile network or an overloaded service
 * would. It only ever connects to the emulator (`upstream`, on loopback).
 *
 * Every request travels on a connection of its own (`Connection: close` both ways), so a fault
 * acts on exactly one request, and the end of the emulator's answer is the end of its connection.
 * The response's framing can be rewritten: `length` (Content-Length, as the emulator sends),
 * `chunked`, or `close` (no length at all: the body ends when the connection does, as some
 * proxies and S3-compatible services answer).
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export type Framing = 'length' | 'chunked' | 'close';

export interface ProxiedRequest {
  /** 0-based, in arrival order across the proxy's life. */
  index: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
}

export type Fault =
  /** Forward the request, and end the answer after `afterBodyBytes` bytes of its body: with a FIN (`close`) or a TCP reset. */
  | { kind: 'cutResponse'; afterBodyBytes: number; how: 'close' | 'reset' }
  /** Forward the request; once the emulator has answered, drop the connection without a byte of the answer. */
  | { kind: 'dropResponse'; how: 'close' | 'reset' }
  /** Forward `afterBodyBytes` bytes of the request's body, then drop both connections (FIN or reset). */
  | { kind: 'cutRequest'; afterBodyBytes: number; how: 'close' | 'reset' }
  /** Forward the answer's head and `afterBodyBytes` bytes of its body, then send nothing more and keep the connection open. */
  | { kind: 'stallResponse'; afterBodyBytes: number }
  /** Accept the request and never answer. */
  | { kind: 'silence' }
  /** Answer the request itself with an S3 error; the emulator never sees it. */
  | { kind: 'status'; status: 500 | 503; code: 'InternalError' | 'SlowDown' }
  /** Flip one byte of the answer's body at `atBodyByte`, keeping its length. */
  | { kind: 'corrupt'; atBodyByte: number }
  /** Flip one byte of the request's body at `atBodyByte`, keeping its length. */
  | { kind: 'corruptRequest'; atBodyByte: number }
  /** Carry both directions at most `bytesPerSecond`. */
  | { kind: 'throttle'; bytesPerSecond: number };

export interface FaultProxyOptions {
  /** The emulator's port on 127.0.0.1. */
  upstreamPort: number;
  framing?: Framing;
  /** Picks the fault for each request (none: forwarded as is). */
  rule?: (request: ProxiedRequest) => Fault | undefined;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, with the fault applied to it. */
  readonly log: Array<ProxiedRequest & { fault?: Fault['kind'] }>;
  framing: Framing;
  rule: ((request: ProxiedRequest) => Fault | undefined) | undefined;
  /** Client connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

interface Head {
  firstLine: string;
  headers: Array<[string, string]>;
}

function parseHead(text: string): Head {
  const [firstLine = '', ...lines] = text.split('\r\n');
  return { firstLine, headers: lines.filter(Boolean).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]) };
}

function header(head: Head, name: string): string | undefined {
  return head.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function writeHead(head: Head, drop: readonly string[], add: Array<[string, string]>): Buffer {
  const kept = head.headers.filter(([n]) => !drop.includes(n.toLowerCase()));
  return Buffer.from(`${[head.firstLine, ...[...kept, ...add].map(([n, v]) => `${n}: ${v}`)].join('\r\n')}\r\n\r\n`, 'latin1');
}

/** Reads from `socket` until a whole HTTP head has arrived; resolves with it and whatever followed. */
function readHead(socket: Socket, initial: Buffer = Buffer.alloc(0)): Promise<{ head: Head; rest: Buffer } | undefined> {
  return new Promise((resolve) => {
    let buffered = initial;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(HEAD_END);
      if (end === -1) return false;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve({ head: parseHead(buffered.subarray(0, end).toString('latin1')), rest: buffered.subarray(end + HEAD_END.length) });
      return true;
    };
    const onClose = () => resolve(undefined);
    if (onData(Buffer.alloc(0))) return;
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

function s3Error(status: number, code: string, index: number): Buffer {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code === 'SlowDown' ? 'Please reduce your request rate.' : 'We encountered an internal error. Please try again.'}</Message><RequestId>FAULT${index}</RequestId></Error>`;
  const reason = status === 503 ? 'Slow Down' : 'Internal Server Error';
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: FAULT${index}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `chunk` with its byte at `at` flipped, when `at` falls inside it. */
function flipped(chunk: Buffer, at: number): Buffer {
  if (at < 0 || at >= chunk.length) return chunk;
  const copy = Buffer.from(chunk);
  copy[at]! ^= 0xff;
  return copy;
}

/** Writes `chunk` at most `rate` bytes per second, in 10 slices a second. */
async function paced(chunk: Buffer, rate: number, write: (b: Buffer) => void, alive: () => boolean): Promise<void> {
  const slice = Math.max(1, Math.floor(rate / 10));
  for (let at = 0; at < chunk.length && alive(); at += slice) {
    write(chunk.subarray(at, at + slice));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const log: FaultProxy['log'] = [];
  let index = 0;

  const proxy = {
    endpoint: '',
    log,
    framing: options.framing ?? 'length',
    rule: options.rule,
    get open() {
      return clients.size;
    },
    async close() {
      for (const socket of [...clients, ...upstreams]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies FaultProxy;

  const drop = (client: Socket, upstream: Socket | undefined, how: 'close' | 'reset') => {
    upstream?.destroy();
    if (how === 'reset') client.resetAndDestroy();
    else client.end();
  };

  async function serve(client: Socket): Promise<void> {
    const request = await readHead(client);
    if (!request) return;
    const [method = '', path = ''] = request.head.firstLine.split(' ');
    const seen: ProxiedRequest = { index: index++, method, path, headers: Object.fromEntries(request.head.headers.map(([n, v]) => [n.toLowerCase(), v])) };
    const fault = proxy.rule?.(seen);
    log.push({ ...seen, ...(fault ? { fault: fault.kind } : {}) });

    if (fault?.kind === 'silence') {
      client.resume(); // read and drop whatever comes; never answer
      return;
    }
    if (fault?.kind === 'status') {
      // Answer once the body is in (the client would see EPIPE rather than the answer otherwise),
      // or at once when the client waits for 100-continue before sending it.
      const length = Number(seen.headers['content-length'] ?? 0);
      let received = request.rest.length;
      const answer = () => client.end(s3Error(fault.status, fault.code, seen.index));
      if (seen.headers.expect === '100-continue' || received >= length) answer();
      else {
        client.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= length) answer();
        });
        client.resume();
      }
      return;
    }

    const upstream = createConnection({ host: '127.0.0.1', port: options.upstreamPort });
    upstreams.add(upstream);
    upstream.once('close', () => upstreams.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    const rate = fault?.kind === 'throttle' ? fault.bytesPerSecond : undefined;
    // A paced write goes on while its destination is open: bytes already received are delivered even
    // after the source has closed (the emulator sends a body at once and closes).
    const toUpstream = () => !upstream.destroyed;
    const toClient = () => !client.destroyed;

    // Request: the head with `Connection: close`, then the body, cut or paced as the fault says.
    upstream.write(writeHead(request.head, ['connection', 'keep-alive'], [['Connection', 'close']]));
    let sent = 0;
    const forwardRequest = async (chunk: Buffer) => {
      if (fault?.kind === 'corruptRequest') chunk = flipped(chunk, fault.atBodyByte - sent);
      if (fault?.kind === 'cutRequest') {
        const room = fault.afterBodyBytes - sent;
        if (chunk.length >= room) {
          upstream.write(chunk.subarray(0, Math.max(0, room)));
          drop(client, upstream, fault.how);
          return;
        }
      }
      sent += chunk.length;
      if (rate === undefined) upstream.write(chunk);
      else {
        client.pause();
        await paced(chunk, rate, (b) => upstream.write(b), toUpstream);
        client.resume();
      }
    };
    if (request.rest.length > 0) await forwardRequest(request.rest);
    client.on('data', (chunk: Buffer) => void forwardRequest(chunk));
    client.resume();

    // Response: the head rewritten for the framing, then the body, with the fault applied.
    let response = await readHead(upstream);
    // Interim answers (100 Continue to an upload's Expect) pass as they are.
    while (response && /^HTTP\/1\.\d 1\d\d/.test(response.head.firstLine)) {
      client.write(writeHead(response.head, [], []));
      response = await readHead(upstream, response.rest);
    }
    if (!response || client.destroyed) return;
    if (fault?.kind === 'dropResponse') {
      drop(client, upstream, fault.how);
      return;
    }
    const status = Number(response.head.firstLine.split(' ')[1]);
    const length = header(response.head, 'content-length');
    const reframe = proxy.framing !== 'length' && length !== undefined && method !== 'HEAD' && status !== 204 && status !== 304;
    const framing: Framing = reframe ? proxy.framing : 'length';
    client.write(
      writeHead(
        response.head,
        ['connection', 'keep-alive', ...(reframe ? ['content-length'] : [])],
        [['Connection', 'close'], ...(framing === 'chunked' ? ([['Transfer-Encoding', 'chunked']] as Array<[string, string]>) : [])],
      ),
    );
    const emit = (data: Buffer) => {
      if (data.length === 0) return;
      client.write(framing === 'chunked' ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
    };
    let forwarded = 0;
    let stopped = false;
    const forwardResponse = async (chunk: Buffer) => {
      if (stopped) return;
      if (fault?.kind === 'corrupt') chunk = flipped(chunk, fault.atBodyByte - forwarded);
      if (fault?.kind === 'cutResponse' || fault?.kind === 'stallResponse') {
        const room = fault.afterBodyBytes - forwarded;
        if (chunk.length >= room) {
          emit(chunk.subarray(0, Math.max(0, room)));
          stopped = true;
          upstream.destroy();
          if (fault.kind === 'cutResponse') drop(client, undefined, fault.how);
          return;
        }
      }
      forwarded += chunk.length;
      if (rate === undefined) emit(chunk);
      else {
        upstream.pause();
        await paced(chunk, rate, emit, toClient);
        upstream.resume();
      }
    };
    // One chunk at a time, in order, and the end only after the last: paced chunks must not overlap, nor
    // the client be ended while a paced write is still going (that cut throttled bodies short).
    let forwarding = Promise.resolve();
    const enqueue = (work: () => Promise<void> | void) => {
      forwarding = forwarding.then(work, work);
    };
    if (response.rest.length > 0) await forwardResponse(response.rest);
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      enqueue(async () => {
        await forwardResponse(chunk);
        if (!stopped) upstream.resume();
      });
    });
    upstream.once('end', () =>
      enqueue(() => {
        if (stopped || client.destroyed) return;
        if (framing === 'chunked') client.write('0\r\n\r\n');
        client.end();
      }),
    );
    upstream.resume();
  }

  const server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.on('error', () => {});
    void serve(client).catch(() => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
