import "server-only";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Which addresses an outbound request may reach without an operator's say-so, and the operator's
 * allow-lists (LONGHAUL_PRIVATE_MODEL_HOSTS, LONGHAUL_PRIVATE_TOOL_HOSTS). Pure functions, read by
 * server/env.ts (which parses the settings) and by the guard in ./outbound.ts (which enforces them at
 * connect time). Ranges come from ipaddr.js (the library express's proxy-addr uses); only publicly
 * routable unicast passes by default. Decision: docs/decisions/019-outbound-guard.md.
 */
type Address = ipaddr.IPv4 | ipaddr.IPv6;

export type AddressVerdict =
  | { isPublic: true }
  | {
      isPublic: false;
      /** What the address is, as words that follow "is": "a loopback address". */
      description: string;
      /** The IPv4 address an IPv6 form carries (IPv4-mapped, NAT64, 6to4), when that is what was refused. */
      embedded?: string;
    };

const PUBLIC: AddressVerdict = { isPublic: true };

const IPV4_RANGES: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private (RFC 1918) address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT (RFC 6598) address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  benchmarking: "a benchmarking (RFC 2544) address",
  amt: "an AMT relay address",
  as112: "an AS112 address",
};

const IPV6_RANGES: Record<string, string> = {
  loopback: "a loopback address",
  uniqueLocal: "a unique-local (fc00::/7) address",
  linkLocal: "a link-local address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  reserved: "a reserved address",
  benchmarking: "a benchmarking address",
  rfc6145: "an IPv4-translated (RFC 6145) address",
  rfc6052: "a local-use NAT64 (RFC 8215) address",
  teredo: "a Teredo tunnel address",
  deprecatedSiteLocal: "a site-local address",
};

const METADATA_ADDRESS = "169.254.169.254";
/** NAT64's well-known prefix (RFC 6052): the last 32 bits are an IPv4 address, reached through a translator. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");
/** The only IPv6 block allocated for global unicast; ipaddr.js calls unassigned space "unicast" too (e.g. ::7f00:1). */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/** Whether an IP address (v4 or v6, as net.isIP accepts it) is publicly routable unicast, and if not, what it is. */
export function classifyAddress(address: string): AddressVerdict {
  return classify(ipaddr.parse(stripBrackets(address)));
}

function classify(address: Address): AddressVerdict {
  if (address.kind() === "ipv4") return classifyV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  // IPv6 forms that carry an IPv4 address are judged by that address: ::ffff:127.0.0.1 is 127.0.0.1.
  if (v6.isIPv4MappedAddress()) return embedding(v6.toIPv4Address());
  if (v6.match(NAT64_WELL_KNOWN)) return embedding(ipaddr.fromByteArray(v6.toByteArray().slice(12)) as ipaddr.IPv4);
  const range = v6.range();
  if (range === "6to4") return embedding(ipaddr.fromByteArray(v6.toByteArray().slice(2, 6)) as ipaddr.IPv4);
  if (range !== "unicast") return { isPublic: false, description: IPV6_RANGES[range] ?? `a special-purpose address (${range})` };
  if (!v6.match(GLOBAL_UNICAST_V6)) return { isPublic: false, description: "not a global unicast address (outside 2000::/3)" };
  return PUBLIC;
}

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  if (range === "unicast") return PUBLIC;
  if (address.toString() === METADATA_ADDRESS) return { isPublic: false, description: "a link-local address (the cloud metadata service)" };
  return { isPublic: false, description: IPV4_RANGES[range] ?? `a special-purpose address (${range})` };
}

function embedding(inner: ipaddr.IPv4): AddressVerdict {
  const verdict = classifyV4(inner);
  return verdict.isPublic ? verdict : { ...verdict, embedded: inner.toString() };
}

/**
 * An operator's allow-list: host names (exact, or "*.lan" for a domain and its subdomains) and IP
 * addresses or CIDR ranges. A name opens whatever that name resolves to; a range opens those addresses
 * under any name.
 */
export type PrivateHostAllowList = { names: readonly string[]; ranges: readonly [Address, number][]; entries: readonly string[] };

export const NO_PRIVATE_HOSTS: PrivateHostAllowList = { names: [], ranges: [], entries: [] };

const HOST_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.?$/;

/** Parses "localhost,127.0.0.1/32,10.0.0.0/8,ollama.lan"; throws an Error naming the first entry it cannot read. */
export function parsePrivateHostList(value: string | undefined): PrivateHostAllowList {
  const entries = (value ?? "")
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "");
  const names: string[] = [];
  const ranges: [Address, number][] = [];
  for (const entry of entries) {
    if (/^[^/]+\/\d+$/.test(entry)) {
      const [ip] = entry.split("/");
      if (!ipaddr.isValidCIDR(entry) || isIP(ip!) === 0) {
        throw new Error(`"${entry}" is not a CIDR range like 10.0.0.0/8 or fd00::/8.`);
      }
      ranges.push(ipaddr.parseCIDR(entry));
    } else if (isIP(stripBrackets(entry)) !== 0) {
      const address = ipaddr.parse(stripBrackets(entry));
      ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (HOST_NAME.test(entry)) {
      names.push(withoutTrailingDot(entry));
    } else {
      throw new Error(`"${entry}" is neither a host name nor an IP address or CIDR range.`);
    }
  }
  return { names, ranges, entries };
}

/** Whether the operator let `host` (as written in the URL) reach `address` although it is not public. */
export function isPrivateHostAllowed(host: string, address: string, allow: PrivateHostAllowList): boolean {
  const name = withoutTrailingDot(stripBrackets(host).toLowerCase());
  const isNameAllowed = allow.names.some((pattern) =>
    pattern.startsWith("*.") ? name === pattern.slice(2) || name.endsWith(pattern.slice(1)) : name === pattern,
  );
  if (isNameAllowed) return true;
  const parsed = ipaddr.parse(stripBrackets(address));
  // A range of either family also covers the other form of the same address (::ffff:10.0.0.5 is 10.0.0.5).
  const forms: Address[] = [parsed];
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) forms.push((parsed as ipaddr.IPv6).toIPv4Address());
  return allow.ranges.some((range) => forms.some((form) => form.kind() === range[0].kind() && form.match(range)));
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function withoutTrailingDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}
