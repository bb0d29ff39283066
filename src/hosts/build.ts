/**
 * Builds of the host adapter packages under packages/: each a thin CommonJS package (what n8n's loader and
 * Node-RED `require`) that depends on the connector package and reads its connector.json when the host
 * loads it. The host's own packages are external: the host provides them at run time.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Options } from 'tsup';
import { editorHtml } from './node-red/editor.js';
import { loadContract } from './shared/contract.js';

const CONNECTOR = '@s3-connector/amazon-s3';

/** The manifest's icon, copied where a host serves icons from: the adapter package itself. */
function copyIcon(...targetDirs: string[]): () => Promise<void> {
  return async () => {
    const { icon } = JSON.parse(readFileSync('connector.json', 'utf8')) as { icon: string };
    for (const dir of targetDirs) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(icon, path.join(dir, path.basename(icon)));
    }
  };
}

function adapter(outDir: string, entry: Record<string, string>, external: string[], onSuccess?: () => Promise<void>): Options {
  return {
    entry,
    outDir,
    format: ['cjs'],
    // The adapter packages have no "type": ".js" is CommonJS there.
    outExtension: () => ({ js: '.js' }),
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    clean: true,
    external: [CONNECTOR, ...external],
    ...(onSuccess ? { onSuccess } : {}),
  };
}

const N8N = 'packages/n8n-nodes-amazon-s3/dist';

export const hostBuilds: Options[] = [
  adapter(
    N8N,
    {
      'nodes/AmazonS3Connector/AmazonS3Connector.node': 'src/hosts/n8n/AmazonS3Connector.node.ts',
      'nodes/AmazonS3ConnectorTrigger/AmazonS3ConnectorTrigger.node': 'src/hosts/n8n/AmazonS3ConnectorTrigger.node.ts',
      'credentials/AmazonS3ConnectorApi.credentials': 'src/hosts/n8n/AmazonS3ConnectorApi.credentials.ts',
    },
    ['n8n-workflow'],
    copyIcon(`${N8N}/nodes/AmazonS3Connector`, `${N8N}/nodes/AmazonS3ConnectorTrigger`, `${N8N}/credentials`),
  ),
  adapter('packages/piece-amazon-s3/dist', { index: 'src/hosts/activepieces/index.ts' }, ['@activepieces/pieces-framework', '@activepieces/shared']),
  adapter('packages/node-red-amazon-s3/dist', { 'amazon-s3': 'src/hosts/node-red/amazon-s3.ts' }, [], async () => {
    // Node-RED reads a node's editor (.html, beside its .js) and its icons/ before the module runs.
    writeFileSync('packages/node-red-amazon-s3/dist/amazon-s3.html', editorHtml(loadContract('.')));
    await copyIcon('packages/node-red-amazon-s3/dist/icons')();
  }),
];
