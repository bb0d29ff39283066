/** Shared by the host tests: the repo's own connector package, and throwaway host homes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The repository root. */
export const REPO_DIR = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/**
 * The connector package the host tests load, through connector.json and its entry, as any host would:
 * this repository's, or any other package that follows the host contract (S3_CONNECTOR_TEST_PACKAGE).
 */
export const PACKAGE_DIR = process.env.S3_CONNECTOR_TEST_PACKAGE ?? REPO_DIR;

/** A fresh temporary folder per call, removed after the file's tests. */
export function useTempDirs(prefix = 's3-host-'): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
