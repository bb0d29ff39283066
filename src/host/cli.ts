#!/usr/bin/env node
/**
 * `s3-connector`: the reference host's command line. It knows the connector only through its
 * connector.json and entry module, like any host. Exit codes: EXIT_CODES (core/errors.ts).
 */
import { main } from './cli/main.js';

export { EXIT_CODES } from './core/errors.js';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
// Exit explicitly once stdout is flushed: the connector's pooled keep-alive sockets must not hold the CLI open.
process.stdout.write('', () => process.exit(code));
