/**
 * The Redis that BullMQ runs on, from `--queue redis://…` or `rediss://…` (TLS). BullMQ creates and
 * owns its connections from these options (it loads ioredis, its driver, an optional peer since v6);
 * this module only reads the URL and checks that Redis answers, with messages that never show a password.
 *
 * The URL is taken apart here rather than passed as BullMQ's `url` option: BullMQ adds its own
 * defaults (host 127.0.0.1, port 6379) beside it, and ioredis lets options win over the URL, so any
 * other host or port would be silently ignored.
 */
import { isIP } from 'node:net';
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { HostError } from '../core/errors.js';

/** A password kept out of the URL, so it is not in the shell history or the process list. */
export const REDIS_PASSWORD_ENV = 'S3_CONNECTOR_REDIS_PASSWORD';

/** Redis's own default port. */
const DEFAULT_PORT = 6379;

/** How long the first contact may take before the command gives up with a clear message. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface RedisTarget {
  /** The URL as given, password masked: for messages. */
  shown: string;
  /** BullMQ's connection options, which it passes on to ioredis. */
  options: RedisOptions;
}

/** `redis://user:secret@host` → `redis://user:***@host`. */
function mask(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

export function redisTarget(raw: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HostError('Usage', `Expected --queue to be a Redis URL such as redis://127.0.0.1:6379 or rediss://user@redis.example.com:6380 but received "${raw.replace(/:[^:@/]*@/, ':***@')}".`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new HostError('Usage', `Expected --queue to start with redis:// (or rediss:// for TLS) but received "${mask(url)}".`);
  }
  const password = url.password ? decodeURIComponent(url.password) : env[REDIS_PASSWORD_ENV];
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new HostError('Usage', `Expected the path of --queue to be a database number such as /0 but received "/${db}".`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    shown: mask(url),
    options: {
      host,
      port: url.port ? Number(url.port) : DEFAULT_PORT,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(password ? { password } : {}),
      ...(db ? { db: Number(db) } : {}),
      // rediss://: TLS, checking the server's certificate against Node's CAs (add yours with NODE_EXTRA_CA_CERTS).
      ...(url.protocol === 'rediss:' ? { tls: isIP(host) ? {} : { servername: host } } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
      // BullMQ's workers block on Redis and must never give up a command: it requires null here.
      maxRetriesPerRequest: null,
    },
  };
}

/**
 * Connects once and pings, so a wrong URL, password or TLS setting fails now with a message, instead
 * of BullMQ retrying in the background forever (which it rightly does once running).
 */
export async function checkRedis(target: RedisTarget): Promise<void> {
  const probe = new Redis({ ...target.options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // connect() may only say "Connection is closed": the event carries why (a refused password, TLS).
  let reported: Error | undefined;
  probe.on('error', (error: Error) => {
    reported ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (thrown) {
    const error = reported ?? (thrown as Error);
    const text = error.message;
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(text)) {
      throw new HostError('InvalidCredentials', `Redis at ${target.shown} refused the credentials (${text.split('\n')[0]}). Put the password in the URL (rediss://user:password@host) or in ${REDIS_PASSWORD_ENV}.`, { cause: error });
    }
    throw new HostError('Network', `Cannot reach Redis at ${target.shown} (${text}). Start redis-server there, or check --queue (rediss:// for TLS).`, { cause: error });
  } finally {
    probe.disconnect();
  }
}
