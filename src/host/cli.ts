#!/usr/bin/env node
/**
 * `s3-connector`: the reference host's command line. It knows the connector only through its
 * connector.json and entry module, like any host. Exit codes: EXIT_CODES (core/errors.ts).
 */
import { main } from './cli/main.js';

// On Node 20 the AWS SDK prints a 7-line NodeVersionSupportWarning in every process that builds a
// client: on every command here. This package supports Node 20.17+, and says once what the SDK
// announces (the README and `--version`). The SDK's own switch, set for this process only and only
// when the user has not set it; every other warning still shows.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export { EXIT_CODES } from './core/errors.js';

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
// Exit explicitly once stdout is flushed: the connector's pooled keep-alive sockets must not hold the CLI open.
process.stdout.write('', () => process.exit(code));
