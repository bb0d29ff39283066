import { defineConfig } from 'tsup';

// `npm run build` empties dist/ first (prebuild), so neither build cleans and races the other.
export default defineConfig([
  {
    // The entry hosts load (connector.json's `entry`): ESM, plus CJS and types for hosts that `require`.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // What `npm start` runs; ESM only, since it awaits at the top level.
    entry: { demo: 'src/demo.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);
