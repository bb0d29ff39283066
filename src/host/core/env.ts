/**
 * A connection from the conventional AWS environment variables, and from a .env file, the way the AWS
 * CLI and SDKs read them. The .env file is parsed, never loaded into process.env: the host must not
 * leak one connection's credentials into everything else the process runs.
 */
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import { HostError } from './errors.js';

/** Contract connection field ← environment variables, first set wins. */
export const ENV_FIELDS = {
  accessKeyId: ['AWS_ACCESS_KEY_ID'],
  secretAccessKey: ['AWS_SECRET_ACCESS_KEY'],
  sessionToken: ['AWS_SESSION_TOKEN'],
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  bucket: ['AWS_BUCKET_NAME'],
  // The SDKs' service-specific endpoint first, then the global one.
  endpoint: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
} as const;

const REQUIRED = ['accessKeyId', 'secretAccessKey', 'region', 'bucket'] as const;

export type EnvConnection = Partial<Record<keyof typeof ENV_FIELDS, string>> & { name: string };

/**
 * Connection values from `env` and, when `dotenvPath` is given, from that .env file. Variables already
 * set in `env` win over the file, as with dotenv. Throws a usage error naming every missing variable.
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env, dotenvPath?: string): EnvConnection {
  let fromFile: Record<string, string> = {};
  if (dotenvPath !== undefined) {
    try {
      fromFile = dotenv.parse(readFileSync(dotenvPath));
    } catch (error) {
      throw new HostError('Usage', `Cannot read the .env file ${dotenvPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  const lookup = (names: readonly string[]) =>
    names.map((name) => env[name] || fromFile[name]).find((value): value is string => Boolean(value?.trim()))?.trim();
  const values = Object.fromEntries(
    Object.entries(ENV_FIELDS)
      .map(([field, names]) => [field, lookup(names)] as const)
      .filter(([, value]) => value !== undefined),
  ) as Partial<Record<keyof typeof ENV_FIELDS, string>>;
  const missing = REQUIRED.filter((field) => values[field] === undefined).map((field) => ENV_FIELDS[field].join(' or '));
  if (missing.length > 0) {
    const where = dotenvPath === undefined ? 'the environment' : `the environment or ${dotenvPath}`;
    throw new HostError('Usage', `Set ${missing.join(', ')} in ${where} to create a connection from it.`);
  }
  return { name: `${values.bucket} (from environment)`, ...values };
}
