import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the host keeps its saved connections, key and files: S3_CONNECTOR_HOME, else ~/.s3-connector. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.S3_CONNECTOR_HOME;
  return home ? path.resolve(home) : path.join(homedir(), '.s3-connector');
}

/** The host's file store lives beside the saved connections. */
export function filesDir(home: string): string {
  return path.join(home, 'files');
}

/**
 * The connector package the host ships in: the nearest folder above `from` (a module's URL or path)
 * that holds a connector.json. Works from src/host/… and from dist/host/… alike.
 */
export function packageDirOf(from: string): string | undefined {
  let dir = path.dirname(from.startsWith('file:') ? fileURLToPath(from) : path.resolve(from));
  for (;;) {
    if (existsSync(path.join(dir, 'connector.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
