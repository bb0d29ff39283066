import type { Resolver } from '../../src/net/endpoint-guard.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * Records every outgoing socket and HTTP request of this process (Node's diagnostics channels),
 * so a test can prove that bad input failed before any network call.
 */
export function watchNetwork() {
  const sockets: number[] = [];
  const requests: string[] = [];
  const onSocket = () => sockets.push(Date.now());
  const onRequest = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    requests.push(`${request.method} ${request.host}${request.path}`);
  };
  subscribe('net.client.socket', onSocket);
  subscribe('http.client.request.start', onRequest);
  return {
    sockets,
    requests,
    stop() {
      unsubscribe('net.client.socket', onSocket);
      unsubscribe('http.client.request.start', onRequest);
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never answers: the endpoint that hangs. */
export async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Connections accepted so far and still open. */
    get open() {
      return sockets.size;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The resolver every test runs with (test/setup/offline-dns.ts): `localhost` answers from loopback and
 * every other name fails as it would on a machine without DNS, so no test sends a query to the
 * system's resolver, which sits outside loopback. A test that needs a name to resolve scripts it.
 */
export const loopbackResolver: Resolver = (hostname, options, callback) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    const answers = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ].filter((a) => !options.family || a.family === options.family);
    process.nextTick(() => callback(null, answers));
    return;
  }
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
  process.nextTick(() => callback(error, []));
};
