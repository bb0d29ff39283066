import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import type { Connection } from '../generated/connection.js';
import { guardedLookup } from '../net/endpoint-guard.js';
import { contentMd5Plugin } from './content-md5.js';

/** Distinct connections whose clients stay warm; a multi-tenant host beyond that reuses the least recent. */
export const CLIENT_CACHE_SIZE = 64;

/** Sockets per client: enough for bulk jobs in flight, bounded so one tenant cannot exhaust the host. */
const MAX_SOCKETS = 64;

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * @smithy/node-http-handler arms its idle timer 3 s into a request when the timeout is 6 s or more
 * (its DEFER_EVENT_LISTENER_TIME), so a request that never gets a byte would wait the timeout plus
 * 3 s (aws-sdk-js-v3 #8098: only this socket timeout ends a stalled body at all). Asking for 3 s
 * less, or just under 6 s where it arms at once, ends every stall within the configured limit; a
 * stall after bytes have flowed ends up to 3 s early rather than late.
 */
const SDK_TIMER_DEFERRAL_MS = 3_000;
const SDK_DEFERS_FROM_MS = 6_000;

export function idleTimeoutFor(limitMs: number): number {
  if (limitMs < SDK_DEFERS_FROM_MS) return limitMs;
  return limitMs - SDK_TIMER_DEFERRAL_MS >= SDK_DEFERS_FROM_MS ? limitMs - SDK_TIMER_DEFERRAL_MS : SDK_DEFERS_FROM_MS - 1;
}

/** The settings a client is built from, after defaults; `name` and `basePath` do not change the client. */
export interface ClientSettings {
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  checksums: 'whenRequired' | 'whenSupported';
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
}

export function clientSettings(connection: Connection): ClientSettings {
  const custom = connection.endpoint !== undefined;
  return {
    region: connection.region,
    endpoint: connection.endpoint,
    // Most self-hosted services (MinIO, Ceph) have no wildcard DNS for virtual-hosted buckets.
    forcePathStyle: connection.forcePathStyle ?? custom,
    // R2, MinIO and Ceph reject the SDK's default CRC32 trailers on streamed (aws-chunked) bodies.
    checksums: connection.checksums ?? (custom ? 'whenRequired' : 'whenSupported'),
    connectTimeoutMs: connection.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxAttempts: connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    accessKeyId: connection.accessKeyId,
    secretAccessKey: connection.secretAccessKey,
    sessionToken: connection.sessionToken,
  };
}

/** A hash of everything the client depends on, so a changed secret gets a new client; the secret itself is never a key. */
export function clientCacheKey(settings: ClientSettings): string {
  let key = cacheKeys.get(settings);
  if (key === undefined) {
    // Plain code-unit order: the same in every locale, and cheaper than ICU collation (localeCompare).
    const canonical = JSON.stringify(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    key = createHash('sha256').update(canonical).digest('hex');
    cacheKeys.set(settings, key);
  }
  return key;
}

/** Settings objects are shared by resolved connections (resolve.ts): hash each once. */
const cacheKeys = new WeakMap<ClientSettings, string>();

function buildClient(settings: ClientSettings): S3Client {
  const mode = settings.checksums === 'whenRequired' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    credentials: {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken === undefined ? {} : { sessionToken: settings.sessionToken }),
    },
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
    maxAttempts: settings.maxAttempts,
    // A wrong region is reported (WrongRegion, naming the right one), not silently paid for on every call.
    followRegionRedirects: false,
    // The handler's options, not a NodeHttpHandler: the client builds it from the SDK's own copy, and
    // importing that package here from ES modules cost a cold start ~15% of client-s3's own import.
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs,
      // Idle time, not total time: a large transfer may run for minutes as long as bytes flow.
      socketTimeout: idleTimeoutFor(settings.requestTimeoutMs),
      // Every address a host name resolves to is checked before connecting (the SSRF guard).
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, lookup: guardedLookup }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, lookup: guardedLookup }),
    },
  });
  client.middlewareStack.use(contentMd5Plugin);
  return client;
}

interface Entry {
  client: S3Client;
  leases: number;
  evicted: boolean;
}

// An evicted client is destroyed only once its last lease ends, so eviction never cuts a transfer.
const cache = new LRUCache<string, Entry>({
  max: CLIENT_CACHE_SIZE,
  dispose: (entry) => {
    entry.evicted = true;
    if (entry.leases === 0) entry.client.destroy();
  },
});

export interface ClientLease {
  readonly client: S3Client;
  release(): void;
}

/** The shared client for these settings, held until `release()`. */
export function leaseClient(settings: ClientSettings): ClientLease {
  const key = clientCacheKey(settings);
  let entry = cache.get(key);
  if (!entry) {
    entry = { client: buildClient(settings), leases: 0, evicted: false };
    cache.set(key, entry);
  }
  const held = entry;
  held.leases++;
  let released = false;
  return {
    client: held.client,
    release() {
      if (released) return;
      released = true;
      held.leases--;
      if (held.evicted && held.leases === 0) held.client.destroy();
    },
  };
}

/** How many clients are cached now; for tests and diagnostics. */
export function cachedClientCount(): number {
  return cache.size;
}
