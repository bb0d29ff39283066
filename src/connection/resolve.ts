import schema from '../../schemas/connection.schema.json';
import type { Connection } from '../generated/connection.js';
import { keyScope, type KeyScope } from '../keys.js';
import type { ErrorContext } from '../map-error.js';
import { validator } from '../validate.js';
import { clientSettings, type ClientSettings } from './client.js';

export const validateConnection = validator<Connection>(schema, 'connection.');

/** A connection checked against its schema, with everything derived from it once. */
export interface ResolvedConnection {
  connection: Connection;
  settings: ClientSettings;
  keys: KeyScope;
  /** What every error message needs to name the bucket, region and endpoint. */
  errorContext: ErrorContext;
}

/** Throws InvalidInput naming the field, before any network call. */
export function resolveConnection(raw: unknown): ResolvedConnection {
  const connection = validateConnection(raw);
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
    },
  };
}
