import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import schema from '../../schemas/connection.schema.json';
import type { Connection } from '../generated/connection.js';
import { keyScope, type KeyScope } from '../keys.js';
import type { ErrorContext } from '../map-error.js';
import { checkEndpoint, refuseUserinfo } from '../net/endpoint-guard.js';
import { validator } from '../validate.js';
import { CLIENT_CACHE_SIZE, clientSettings, type ClientSettings } from './client.js';

export const validateConnection = validator<Connection>(schema, 'connection.');

/** A connection checked against its schema, with everything derived from it once. */
export interface ResolvedConnection {
  connection: Connection;
  settings: ClientSettings;
  keys: KeyScope;
  /** What every error message needs to name the bucket, region and endpoint. */
  errorContext: ErrorContext;
}

/**
 * Connections already resolved, by a hash of their content (never the secret itself): a host
 * passes the same saved connection on every call, and validating it again each time cost more
 * CPU than the rest of a small request's own path.
 */
const resolved = new LRUCache<string, ResolvedConnection>({ max: CLIENT_CACHE_SIZE });

function contentHash(raw: unknown): string | undefined {
  try {
    const json = JSON.stringify(raw);
    return json === undefined ? undefined : createHash('sha256').update(json).digest('base64');
  } catch {
    return undefined; // not plain JSON (e.g. circular): validation will say so
  }
}

/**
 * Throws InvalidInput naming the field, before any network call. An endpoint at an IP address
 * the guard refuses is refused here, on every call (the host's policy may have changed since the
 * connection was cached); host names are checked on every address they resolve to, when connecting.
 */
export function resolveConnection(raw: unknown): ResolvedConnection {
  const hash = contentHash(raw);
  let result = hash === undefined ? undefined : resolved.get(hash);
  if (!result) {
    result = resolve(raw);
    if (hash !== undefined) resolved.set(hash, result);
  }
  checkEndpoint(result.connection.endpoint);
  return result;
}

function resolve(raw: unknown): ResolvedConnection {
  // Before validation, whose messages quote what they received: a password must not be among it.
  refuseUserinfo(raw);
  // Frozen: one resolved connection is shared by every call made with it.
  const connection = Object.freeze(validateConnection(raw));
  const keys = keyScope(connection.basePath);
  return {
    connection,
    settings: clientSettings(connection),
    keys,
    errorContext: {
      bucket: connection.bucket,
      region: connection.region,
      endpoint: connection.endpoint,
      accessKeyId: connection.accessKeyId,
      basePath: keys.base,
    },
  };
}
