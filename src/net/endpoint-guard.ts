/**
 * The SSRF guard on a connection's endpoint. A workflow host runs endpoints its users typed in,
 * often for many tenants on one server, so an endpoint must never reach the host's own metadata
 * service, and a multi-tenant host can keep tenants off its internal network.
 *
 * It is enforced on the address actually connected to: the S3 clients' agents resolve names
 * through `guardedLookup`, which checks every address a name resolves to (so a name that
 * rebinds between a check and the connection cannot pass). Node skips `lookup` for IP literals,
 * so those are checked on the parsed URL (`checkEndpoint`), where the URL parser has already
 * turned numeric spellings such as `0x7f.1` or `2130706433` into `127.0.0.1`.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { LRUCache } from 'lru-cache';
import { ConnectorError } from '../errors.js';
import { classifyAddress, type AddressVerdict } from './address.js';

/** Set to 1 (or true) to block loopback and private addresses: for hosts that run many tenants. */
export const BLOCK_PRIVATE_ENV = 'S3_CONNECTOR_BLOCK_PRIVATE';
/** Host names (comma-separated; `*.example.com` for subdomains) allowed to be internal when private addresses are blocked. */
export const ALLOW_HOSTS_ENV = 'S3_CONNECTOR_ALLOW_HOSTS';

export interface EndpointPolicy {
  blockPrivate: boolean;
  /** Lower-case host names, IP literals, or `*.suffix` patterns. */
  allowHosts: readonly string[];
}

let cachedPolicy: { key: string; policy: EndpointPolicy } | undefined;

/** The host's policy, from its environment: read on every check, so a host may set it at any time. */
export function endpointPolicy(env: NodeJS.ProcessEnv = process.env): EndpointPolicy {
  const block = env[BLOCK_PRIVATE_ENV] ?? '';
  const allow = env[ALLOW_HOSTS_ENV] ?? '';
  const key = `${block}\n${allow}`;
  if (cachedPolicy?.key !== key) {
    const allowHosts = allow
      .split(',')
      .map((host) => normaliseHost(host.trim()))
      .filter(Boolean);
    cachedPolicy = { key, policy: { blockPrivate: /^(1|true|yes|on)$/i.test(block.trim()), allowHosts } };
  }
  return cachedPolicy.policy;
}

function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

function allowListed(host: string, policy: EndpointPolicy): boolean {
  const name = normaliseHost(host);
  return policy.allowHosts.some((entry) => (entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : name === entry));
}

const ENDPOINT_FIELD = '/endpoint';

function refusal(message: string, verdict?: AddressVerdict): ConnectorError {
  return new ConnectorError('InvalidInput', message, {
    field: ENDPOINT_FIELD,
    details: { reason: 'EndpointRefused', ...(verdict ? { address: verdict.address, addressKind: verdict.kind } : {}) },
  });
}

/** The refusal for connecting to `address` on behalf of `host`, or undefined when it is allowed. */
export function refusalFor(host: string, address: string, policy: EndpointPolicy = endpointPolicy()): ConnectorError | undefined {
  return refusalOf(host, classifyAddress(address), policy);
}

function refusalOf(host: string, verdict: AddressVerdict | undefined, policy: EndpointPolicy): ConnectorError | undefined {
  // A resolver answers with addresses; anything else is not ours to judge, and Node will fail on it.
  if (!verdict || verdict.kind === 'public') return undefined;
  if (verdict.kind === 'internal' && (!policy.blockPrivate || allowListed(host, policy))) return undefined;
  // The host is an IP literal (any spelling), or a name that resolved to this address.
  const where = classifyAddress(host) ? `The endpoint's address ${verdict.address} is` : `The endpoint's host "${host}" resolves to ${verdict.address},`;
  if (verdict.kind === 'refused') {
    return refusal(`${where} ${verdict.why}. Connections never go there, so it cannot be an S3 endpoint: set \`connection.endpoint\` to your S3 service's URL.`, verdict);
  }
  return refusal(
    `${where} ${verdict.why}, and this host blocks loopback and private addresses (${BLOCK_PRIVATE_ENV}). Use a public endpoint, or ask the host's administrator to add "${normaliseHost(host)}" to ${ALLOW_HOSTS_ENV}.`,
    verdict,
  );
}

/**
 * `scheme://user:pass@…`, checked on the raw text before anything parses or echoes it. Any `@`
 * before the query counts: a password holding `/` (as AWS secrets do) ends the authority early,
 * and an S3 endpoint has no `@` in its path.
 */
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^?#]*@/i;

/**
 * Refuses an endpoint with credentials in it (`user:pass@`), without echoing any of it. Runs on
 * the raw connection before schema validation, whose messages quote what they received.
 */
export function refuseUserinfo(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const endpoint = (raw as { endpoint?: unknown }).endpoint;
  if (typeof endpoint === 'string' && USERINFO.test(endpoint.trim())) {
    throw new ConnectorError(
      'InvalidInput',
      'Expected `connection.endpoint` without a user name or password before "@" (scheme://user:password@host): S3 credentials go in the access key ID and secret fields. Remove them from the endpoint URL.',
      { field: ENDPOINT_FIELD, details: { reason: 'EndpointRefused' } },
    );
  }
}

/** The endpoint's host as the URL parser normalised it (brackets removed), or undefined for AWS's own endpoints. */
export function endpointHostname(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // The URL parser's error quotes its input: say what is wrong without it.
    throw new ConnectorError('InvalidInput', 'Expected an http:// or https:// URL such as https://s3.example.com or http://localhost:9000 for `connection.endpoint`, but it cannot be parsed as a URL.', {
      field: ENDPOINT_FIELD,
    });
  }
  return normaliseHost(url.hostname);
}

/**
 * Checks an endpoint whose host is an IP literal (Node connects to those without `lookup`).
 * A host name passes here: its addresses are checked when it is resolved.
 */
export function checkEndpoint(endpoint: string | undefined, policy: EndpointPolicy = endpointPolicy()): void {
  if (endpoint === undefined) return;
  // Every call checks its endpoint: parsed and judged once per endpoint, the host's policy applied each time.
  let judged = judgedEndpoints.get(endpoint);
  if (!judged) {
    const host = endpointHostname(endpoint)!;
    judged = { host, verdict: classifyAddress(host) };
    judgedEndpoints.set(endpoint, judged);
  }
  const refused = refusalOf(judged.host, judged.verdict, policy);
  if (refused) throw refused;
}

const judgedEndpoints = new LRUCache<string, { host: string; verdict: AddressVerdict | undefined }>({ max: 256 });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** dns.lookup's shape, with every answer asked for (`all: true`). */
export type Resolver = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);
let resolver: Resolver = systemResolver;

/**
 * Replaces the resolver behind the guard (undefined restores the system's): for a host with a
 * resolver of its own, and for tests, which must never resolve to a real address outside loopback.
 */
export function useResolver(replacement: Resolver | undefined): void {
  resolver = replacement ?? systemResolver;
}

/** Every address `hostname` resolves to, each checked; refused as a whole if any one is refused. */
export function resolveChecked(hostname: string, options: Omit<LookupAllOptions, 'all'> = {}): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    resolver(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return reject(error);
      const policy = endpointPolicy();
      for (const { address } of addresses) {
        const refused = refusalFor(hostname, address, policy);
        if (refused) return reject(refused);
      }
      resolve(addresses);
    });
  });
}

/**
 * The `lookup` for the S3 clients' agents: Node calls it for every connection to a host name,
 * with `all: true` when it tries several addresses (autoSelectFamily) and without otherwise.
 */
export function guardedLookup(hostname: string, options: LookupOneOptions | LookupAllOptions | number, callback: LookupCallback): void {
  const opts = typeof options === 'number' ? { family: options } : options;
  const { all, ...rest } = opts as LookupAllOptions;
  resolveChecked(hostname, rest).then(
    (addresses) => {
      if (all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, all ? [] : ''),
  );
}

/**
 * For work that builds no request (presign): resolves a custom endpoint's host name now and
 * checks every address, as a connection would.
 */
export async function checkEndpointResolves(endpoint: string | undefined): Promise<void> {
  checkEndpoint(endpoint);
  const host = endpointHostname(endpoint);
  if (host === undefined || classifyAddress(host)) return;
  try {
    await resolveChecked(host);
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    // A name that does not resolve reaches nothing: the URL would fail for whoever uses it, not here.
  }
}
