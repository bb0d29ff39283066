/**
 * What an IP address is, for the endpoint guard: somewhere a connection never goes (metadata
 * services, "this host", multicast), an internal address (loopback, private ranges) that a
 * multi-tenant host may block, or a public one. IPv6 forms that carry an IPv4 address (mapped,
 * NAT64, 6to4, Teredo, IPv4-compatible) are judged by the IPv4 address they reach.
 */
import type ipaddr from 'ipaddr.js';
import { requireOnUse } from '../lazy.js';

export type AddressKind = 'refused' | 'internal' | 'public';

export interface AddressVerdict {
  kind: AddressKind;
  /** The address in its canonical form (`127.0.0.1`, `::ffff:a9fe:a9fe`). */
  address: string;
  /** Why, in words a person reads: "a link-local address (169.254.0.0/16), where cloud metadata services answer". */
  why: string;
}

type Range = readonly [cidr: string, why: string];

/** Never connected to, whatever the host's settings. */
const REFUSED: readonly Range[] = [
  ['0.0.0.0/8', 'a "this network" address (0.0.0.0/8), which reaches the host itself'],
  ['169.254.0.0/16', 'a link-local address (169.254.0.0/16), where the AWS, GCP and Azure metadata services answer'],
  ['100.100.100.200/32', "Alibaba Cloud's metadata service (100.100.100.200)"],
  ['224.0.0.0/4', 'a multicast address (224.0.0.0/4)'],
  ['255.255.255.255/32', 'the broadcast address'],
  ['240.0.0.0/4', 'a reserved address (240.0.0.0/4)'],
  ['::/128', 'the unspecified address (::), which reaches the host itself'],
  ['fe80::/10', 'a link-local address (fe80::/10), where cloud metadata services answer'],
  ['fd00:ec2::254/128', "AWS's IPv6 metadata service (fd00:ec2::254)"],
  ['ff00::/8', 'a multicast address (ff00::/8)'],
];

/** Allowed by default (self-hosted MinIO, the demo), blocked when the host says so. */
const INTERNAL: readonly Range[] = [
  ['127.0.0.0/8', 'a loopback address (127.0.0.0/8)'],
  ['10.0.0.0/8', 'a private address (10.0.0.0/8)'],
  ['172.16.0.0/12', 'a private address (172.16.0.0/12)'],
  ['192.168.0.0/16', 'a private address (192.168.0.0/16)'],
  ['100.64.0.0/10', 'a shared (carrier-grade NAT) address (100.64.0.0/10)'],
  ['::1/128', 'the loopback address (::1)'],
  ['fc00::/7', 'a unique local address (fc00::/7)'],
];

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
type Ranges = Array<{ cidr: Cidr; why: string }>;

interface Tables {
  ipaddr: typeof ipaddr;
  refused: Ranges;
  internal: Ranges;
  /** IPv6 prefixes whose last 32 bits are an IPv4 address a packet ends up at. */
  tailEmbedding: Array<readonly [Cidr, string]>;
  sixToFour: Cidr;
  teredo: Cidr;
}

let tables: Tables | undefined;

/**
 * ipaddr.js and the ranges parsed by it, on the first address judged rather than with the entry:
 * a cold start that never meets a custom endpoint's address does not pay for them.
 */
function loaded(): Tables {
  if (tables) return tables;
  const lib = requireOnUse('ipaddr.js') as typeof ipaddr;
  const cidr = (text: string) => lib.parseCIDR(text) as Cidr;
  const compile = (ranges: readonly Range[]): Ranges => ranges.map(([text, why]) => ({ cidr: cidr(text), why }));
  tables = {
    ipaddr: lib,
    refused: compile(REFUSED),
    internal: compile(INTERNAL),
    tailEmbedding: [
      [cidr('::ffff:0:0/96'), 'IPv4-mapped'],
      [cidr('64:ff9b::/96'), 'NAT64'],
      [cidr('64:ff9b:1::/48'), 'local NAT64'],
      [cidr('::ffff:0:0:0/96'), 'IPv4-translated'],
      [cidr('::/96'), 'IPv4-compatible'],
    ],
    sixToFour: cidr('2002::/16'),
    teredo: cidr('2001::/32'),
  };
  return tables;
}

function within(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: Ranges): string | undefined {
  return ranges.find(({ cidr }) => address.kind() === cidr[0].kind() && address.match(cidr))?.why;
}

const ipv4 = (bytes: number[]) => new (loaded().ipaddr.IPv4)(bytes);

/** The IPv4 address an IPv6 address carries, and the name of the form that carries it. */
function embeddedIpv4(address: ipaddr.IPv6): { ipv4: ipaddr.IPv4; form: string } | undefined {
  const { tailEmbedding, sixToFour, teredo } = loaded();
  const bytes = address.toByteArray();
  for (const [cidr, form] of tailEmbedding) {
    // :: and ::1 sit inside ::/96 but are IPv6's own unspecified and loopback addresses.
    if (address.match(cidr) && !(form === 'IPv4-compatible' && bytes.slice(12, 15).every((b) => b === 0) && bytes[15]! <= 1)) {
      return { ipv4: ipv4(bytes.slice(12)), form };
    }
  }
  if (address.match(sixToFour)) return { ipv4: ipv4(bytes.slice(2, 6)), form: '6to4' };
  // Teredo carries the client's IPv4 address with every bit flipped.
  if (address.match(teredo)) return { ipv4: ipv4(bytes.slice(12).map((b) => b ^ 0xff)), form: 'Teredo' };
  return undefined;
}

function judge(address: ipaddr.IPv4 | ipaddr.IPv6): AddressVerdict {
  const text = address.toString();
  const refused = within(address, loaded().refused);
  if (refused) return { kind: 'refused', address: text, why: refused };
  if (address.kind() === 'ipv6') {
    const embedded = embeddedIpv4(address as ipaddr.IPv6);
    if (embedded) {
      const inner = judge(embedded.ipv4);
      // A local NAT64 prefix is itself internal, whatever it translates to.
      const kind = inner.kind === 'public' && embedded.form === 'local NAT64' ? 'internal' : inner.kind;
      return { kind, address: text, why: `the ${embedded.form} form of ${inner.address}, ${inner.why}` };
    }
  }
  const internal = within(address, loaded().internal);
  if (internal) return { kind: 'internal', address: text, why: internal };
  // Documentation, benchmarking and other special-purpose ranges are no S3 service's public address.
  const range = address.range();
  if (range !== 'unicast') return { kind: 'internal', address: text, why: `a special-purpose address (${range})` };
  return { kind: 'public', address: text, why: 'a public address' };
}

/** Judges an IP address written any way Node or the URL parser accepts (brackets allowed); undefined for a host name. */
export function classifyAddress(text: string): AddressVerdict | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Loose IPv4 spellings (0x7f.1, 2130706433, 0177.1) count as addresses, as they do for getaddrinfo.
  const { ipaddr: lib } = loaded();
  return lib.isValid(bare) ? judge(lib.parse(bare)) : undefined;
}
