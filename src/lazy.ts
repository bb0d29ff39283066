/**
 * CommonJS dependencies loaded when first used rather than with the entry, where the caller cannot
 * wait for `import()`: hosts that load the connector for every run (Activepieces' sandboxes,
 * serverless functions, the CLI) pay at start only for what that run uses.
 */
import { createRequire } from 'node:module';

export const requireOnUse = createRequire(import.meta.url);
