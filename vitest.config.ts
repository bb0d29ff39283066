import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Host names resolve through a loopback-only resolver: no test may query the DNS server outside loopback.
    setupFiles: ['test/setup/offline-dns.ts'],
    // The host adapters' tests run in the hosts' own runtimes (scripts/hosts/test.sh, test/hosts/vitest.config.ts).
    exclude: ['test/hosts/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own emulator on port 0, so files run in parallel safely.
    pool: 'forks',
    // CI reads the counts from the JSON report (.ci/run), not from the console summary.
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
