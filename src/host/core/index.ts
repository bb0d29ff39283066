/** The reference host's core: what the CLI and the playground server share. */
export * from './connector.js';
export * from './env.js';
export * from './errors.js';
export * from './files.js';
export * from './logger.js';
export * from './paths.js';
export * from './run.js';
export * from './schema.js';
export * from './store.js';
export * from './trigger-store.js';
export * from './triggers.js';
