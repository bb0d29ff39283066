/**
 * What keeps a page on another site (or a DNS name rebound to 127.0.0.1) from driving the playground:
 * the Host and Origin must be the server's own, state-changing requests carry the page's CSRF token,
 * and bodies are size-limited.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { ApiError } from './api-types.js';

/** Big enough for a form's JSON, including a put's base64 content of a few MiB. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function apiError(code: string, message: string, extra: Partial<ApiError> = {}): { error: ApiError } {
  return { error: { code, message, ...extra } };
}

/** The names this server answers to: the loopback address it is bound to and `localhost`, with its port. */
export function ownHosts(hostname: string, port: number): string[] {
  const names = new Set([hostname, '127.0.0.1', 'localhost']);
  return [...names].map((name) => `${name}:${port}`);
}

/**
 * DNS rebinding: a hostile page whose name resolves to 127.0.0.1 reaches us with its own name in Host.
 * Cross-site requests: a browser always says where they come from in Origin.
 */
export function sameHostOnly(hosts: () => readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const allowed = hosts();
    const host = c.req.header('host')?.toLowerCase();
    if (!host || !allowed.includes(host)) {
      return c.json(apiError('ForbiddenHost', `This playground answers only to ${allowed.map((h) => `http://${h}`).join(' or ')}.`), 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowed.some((h) => origin.toLowerCase() === `http://${h}`)) {
      return c.json(apiError('ForbiddenOrigin', 'Requests from other sites are refused: open the playground at its own address.'), 403);
    }
    await next();
  };
}

/** One token per server, written into the page; only a script running on the page can read it. */
export function createCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

export function requireCsrfToken(token: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const given = Buffer.from(c.req.header('x-csrf-token') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return c.json(apiError('InvalidCsrfToken', 'Missing or wrong CSRF token: reload the playground page and try again.'), 403);
      }
    }
    await next();
  };
}

export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json(apiError('TooLarge', `The request body is over the playground's limit of ${maxSize.toLocaleString('en')} bytes.`), 413),
  });
}

/**
 * The page loads only its own script and style. 'unsafe-eval' because Ajv compiles each schema into a
 * function, which is how the form validates any connector's schemas in the browser.
 */
export function pageHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-eval'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
  });
}
