// A loopback TCP proxy that adds network latency in front of the emulator, for benchmarks: every
// byte from the client reaches the server `delayMs` later, in order, so each request (a HEAD, a GET,
// a PUT and its body) waits that long before the server sees it, as a round trip to S3 would.
// Answers flow back undelayed through a plain pipe, so the proxy's own CPU stays small (it shares
// the cores with what is measured). Binds 127.0.0.1 only.
import { connect, createServer } from 'node:net';

/** Starts the proxy; resolves with its endpoint (`http://127.0.0.1:PORT`) and a `close()`. */
export async function startDelayProxy(target, delayMs) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Timers of one duration fire in the order they were set: chunks keep their order.
    client.on('data', (chunk) => setTimeout(() => upstream.writable && upstream.write(chunk), delayMs));
    client.on('end', () => setTimeout(() => upstream.end(), delayMs));
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', () => sockets.delete(client) && setTimeout(() => upstream.destroy(), delayMs));
    upstream.on('error', close).on('close', () => sockets.delete(upstream) && client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  };
}
