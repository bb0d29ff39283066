/**
 * The host adapters' tests: each host's own runtime, installed by scripts/hosts/install.sh into a cached
 * folder linked as hosts/node_modules, run on the Node.js 24 installed beside it (scripts/hosts/test.sh).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hostModules = path.join(root, 'hosts/node_modules');

/** Bare imports of the hosts' packages resolve in the host install, like any other dependency. */
const HOST_PACKAGES = ['n8n-workflow', 'n8n-core', '@n8n/di', '@activepieces/shared', '@activepieces/pieces-framework', '@activepieces/pieces-common', 'node-red-node-test-helper', 'node-red'];

export default defineConfig({
  root,
  resolve: {
    alias: HOST_PACKAGES.map((name) => ({ find: new RegExp(`^${name}$`), replacement: path.join(hostModules, name) })),
  },
  test: {
    include: ['test/hosts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/hosts.json' },
  },
});
