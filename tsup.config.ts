import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { hostBuilds } from './src/hosts/build.js';

// `npm run build` empties dist/ first (prebuild), so neither build cleans and races the other.
export default defineConfig([
  {
    // The entry hosts load (connector.json's `entry`): ESM, plus CJS and types for hosts that `require`.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // import.meta.url in the CJS build too: the validators and lazily loaded dependencies resolve
    // their CommonJS helpers from it (createRequire).
    shims: true,
    target: 'node20',
    platform: 'node',
    // Each schema's validator is its own CommonJS file, required on first use from beside the bundle
    // (src/generated/validators.js loads `./validators/<schema>.cjs` relative to itself, then to dist/index.*).
    onSuccess: async () => cpSync('src/generated/validators', 'dist/validators', { recursive: true }),
  },
  {
    // The emulator on its own, for the benchmarks under bench/.
    entry: { emulator: 'src/emulator.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // The reference host: the package's bin (host/cli.js) and `npm start`'s demo (host/demo.js, which the
    // CLI's `start` imports only when asked, so every other command runs without the emulator). ESM only,
    // since both await at the top level. The host loads the connector only through connector.json and the
    // entry module it names, as any host would: nothing here bundles src/index.ts.
    entry: { 'host/cli': 'src/host/cli.ts', 'host/demo': 'src/host/demo.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // The playground page: React, react-jsonschema-form and Ajv bundled for the browser into static
    // assets (app.js, app.css) that the host's web server serves from dist/host/web/.
    entry: { app: 'src/host/web/app/main.tsx' },
    outDir: 'dist/host/web',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    noExternal: [/.*/],
    env: { NODE_ENV: 'production' },
  },
  // The n8n, Activepieces and Node-RED adapter packages (packages/*), derived from connector.json.
  ...hostBuilds,
]);
