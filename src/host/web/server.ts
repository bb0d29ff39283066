/**
 * The playground's web server: the page, its built assets and the JSON API, on 127.0.0.1 by default.
 * Every request must name this server in Host (and Origin, when the browser sends one), state-changing
 * API requests carry the page's CSRF token, and bodies are size-limited.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { packageDirOf } from '../core/paths.js';
import { apiRoutes, type ApiDeps } from './routes.js';
import { createCsrfToken, DEFAULT_BODY_LIMIT, limitBody, ownHosts, pageHeaders, requireCsrfToken, sameHostOnly } from './security.js';

export interface PlaygroundOptions extends ApiDeps {
  /** 127.0.0.1 unless told otherwise: the playground holds credentials and is for this machine only. */
  hostname?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  bodyLimit?: number;
  /** Where the built page lives (app.js, app.css); by default dist/host/web/ of this package. */
  assetsDir?: string;
}

export interface Playground {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

function defaultAssetsDir(): string {
  const root = packageDirOf(import.meta.url);
  return root ? path.join(root, 'dist', 'host', 'web') : path.join(path.dirname(new URL(import.meta.url).pathname), 'web');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function page(title: string, csrfToken: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${csrfToken}">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<div id="root"></div>
<script type="module" src="/assets/app.js"></script>
</body>
</html>`;
}

/** The app, without listening: `hosts` are the Host values it answers to (known once it listens). */
export function createPlaygroundApp(options: PlaygroundOptions, hosts: () => readonly string[]) {
  const csrfToken = createCsrfToken();
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  const { api, runs } = apiRoutes(options);
  const app = new Hono();
  app.use('*', sameHostOnly(hosts));
  app.use('/api/*', requireCsrfToken(csrfToken), limitBody(options.bodyLimit ?? DEFAULT_BODY_LIMIT));
  app.route('/api', api);

  app.use('*', pageHeaders());
  app.get('/', (c) => {
    c.header('cache-control', 'no-store');
    return c.html(page(`${options.host.connector.manifest.name} · playground`, csrfToken));
  });
  app.get('/favicon.svg', (c) =>
    c.body(options.host.connector.iconSvg, 200, { 'content-type': 'image/svg+xml', 'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'" }),
  );
  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = ASSETS[name];
    if (!type) return c.notFound();
    try {
      return c.body(await readFile(path.join(assetsDir, name)), 200, { 'content-type': type, 'cache-control': 'no-cache' });
    } catch {
      return c.text(`The playground page is not built (${path.join(assetsDir, name)} is missing): run \`npm run build\`.`, 503);
    }
  });
  return { app, csrfToken, runs };
}

/** Starts the playground and resolves once it listens; `close()` cancels running actions and stops it. */
export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const hostname = options.hostname ?? '127.0.0.1';
  let allowed: string[] = [];
  const { app, runs } = createPlaygroundApp(options, () => allowed);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port: options.port ?? 0 }, (info: AddressInfo) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
  allowed = ownHosts(hostname, port);
  return {
    url: `http://${hostname}:${port}/`,
    port,
    async close() {
      runs.cancelAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from the browser would hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
