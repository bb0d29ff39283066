// What this process has loaded so far, of what the connector loads only on demand: shared by the
// cold-start test and bench/cold (plain .mjs, so the benchmarks can import it without a build).
// Each of these reaches Node's CommonJS module cache, whether it was imported or required.
import { createRequire } from 'node:module';

const cache = createRequire(import.meta.url).cache;

/**
 * What a cold start should not pay for until an action needs it, and the module that shows it is
 * loaded. Ajv's compiler, not the package: the validators built at build time require two small
 * runtime helpers of it (ajv/dist/runtime/ucs2length.js, ajv-formats/dist/formats.js).
 */
export const ON_DEMAND = {
  sharp: /^sharp\//,
  '@aws-sdk/lib-storage': /^@aws-sdk\/lib-storage\//,
  '@aws-sdk/s3-request-presigner': /^@aws-sdk\/s3-request-presigner\//,
  'ajv (compiler)': /^ajv\/dist\/core\.js$/,
  'mime-types': /^mime-types\//,
  // The endpoint guard's address parser: loaded once a custom endpoint's address is judged.
  'ipaddr.js': /^ipaddr\.js\//,
};

/** Modules loaded from node_modules now, as `package/path/in/it.js`. */
export function loadedModules() {
  return Object.keys(cache)
    .map((path) => /.*node_modules[\\/](.+)$/.exec(path)?.[1]?.replace(/\\/g, '/'))
    .filter((path) => path !== undefined);
}

/** The names in ON_DEMAND loaded now. */
export function loadedOnDemand() {
  const modules = loadedModules();
  return Object.entries(ON_DEMAND)
    .filter(([, module]) => modules.some((path) => module.test(path)))
    .map(([name]) => name);
}
