import "server-only";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from "undici";
import { env } from "../env";
import { classifyAddress, isPrivateHostAllowed, type AddressVerdict, type PrivateHostAllowList } from "./outbound-addresses";

/**
 * The one guard for every outbound request a team member can aim: model and embedding endpoints
 * (purpose "model") and agent tools and MCP servers, later channels (purpose "tool"). Requests go
 * through undici's own fetch with an Agent whose connect step resolves the host, checks every address
 * it resolved to, and hands exactly those checked addresses to the socket (so a DNS answer cannot
 * change between the check and the connection); IP-literal hosts, which the socket would not look up,
 * are checked first. Redirects that fetch follows go through the same Agent. Only publicly routable
 * unicast passes, unless the operator allowed a host or range for that purpose
 * (LONGHAUL_PRIVATE_MODEL_HOSTS, LONGHAUL_PRIVATE_TOOL_HOSTS; allowing a model host never opens it to
 * tools). Decision: docs/decisions/019-outbound-guard.md.
 */
export type OutboundPurpose = "model" | "tool";

export const PRIVATE_HOSTS_SETTING: Record<OutboundPurpose, string> = {
  model: "LONGHAUL_PRIVATE_MODEL_HOSTS",
  tool: "LONGHAUL_PRIVATE_TOOL_HOSTS",
};

/** Why a refused request was refused, in the words the timeline shows. */
export const OUTBOUND_REFUSAL_REASON = "private address";

export class OutboundRefusedError extends Error {
  readonly reason = OUTBOUND_REFUSAL_REASON;
  readonly host: string;
  readonly address: string;
  readonly purpose: OutboundPurpose;
  /** What the address is: "a loopback address". */
  readonly description: string;
  /** The refusal in a clause: "127.0.0.1 is a loopback address", "localhost resolves to ::1, a loopback address". */
  readonly explanation: string;

  constructor({ host, address, purpose, verdict }: { host: string; address: string; purpose: OutboundPurpose; verdict: AddressVerdict }) {
    const description = verdict.isPublic ? "allowed" : verdict.description;
    const embedded = verdict.isPublic ? undefined : verdict.embedded;
    // "127.0.0.1 is a loopback address", "::ffff:7f00:1 embeds 127.0.0.1, a loopback address",
    // "localhost resolves to 127.0.0.1, a loopback address".
    const what =
      host === address
        ? embedded
          ? `${address} embeds ${embedded}, ${description}`
          : `${address} is ${description}`
        : `${host} resolves to ${address}, ${embedded ? `which embeds ${embedded}, ` : ""}${description}`;
    // Worded without "timed out": the openai SDK would take such a message for a timeout.
    super(`refused: ${OUTBOUND_REFUSAL_REASON} (${what}; an operator can allow it with ${PRIVATE_HOSTS_SETTING[purpose]})`);
    this.name = "OutboundRefusedError";
    this.host = host;
    this.address = address;
    this.purpose = purpose;
    this.description = description;
    this.explanation = what;
  }
}

/** The refusal behind an error, however deeply fetch and the SDK wrapped it (TypeError "fetch failed" → cause). */
export function findOutboundRefusal(error: unknown): OutboundRefusedError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof OutboundRefusedError) return current;
    current = current.cause;
  }
  return null;
}

export type ResolvedAddress = { address: string; family: number };
/** Resolves a host name to every address it has (dns.lookup, as a socket would); tests may give their own. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const resolveWithSystem: Resolver = (hostname) => dnsLookup(hostname, { all: true });

/** A fetch that only sends requests to checked addresses: what model calls, embeddings and tools use. */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export type OutboundGuard = {
  purpose: OutboundPurpose;
  fetch: GuardedFetch;
  /** Closes the guard's connections (for guards a test made; the default ones live as long as the process). */
  close: () => Promise<void>;
};

export type OutboundPolicy = {
  /** The operator's allow-list; by default the purpose's setting. */
  allow?: PrivateHostAllowList;
  resolve?: Resolver;
};

const CONNECT_TIMEOUT_MS = 10_000;

function allowListOf(purpose: OutboundPurpose): PrivateHostAllowList {
  return purpose === "model" ? env.LONGHAUL_PRIVATE_MODEL_HOSTS : env.LONGHAUL_PRIVATE_TOOL_HOSTS;
}

/** The refusal for connecting `host` to `address` under this policy, or null when it may. */
function refusalFor(purpose: OutboundPurpose, allow: PrivateHostAllowList, host: string, address: string): OutboundRefusedError | null {
  const verdict = classifyAddress(address);
  if (verdict.isPublic || isPrivateHostAllowed(host, address, allow)) return null;
  return new OutboundRefusedError({ host, address, purpose, verdict });
}

/** A guard with its own connection pool; `outboundGuard(purpose)` is the process's shared one, from the settings. */
export function createOutboundGuard(purpose: OutboundPurpose, policy: OutboundPolicy = {}): OutboundGuard {
  const allow = policy.allow ?? allowListOf(purpose);
  const resolve = policy.resolve ?? resolveWithSystem;

  // The socket calls this once per connection and connects to what it returns: the addresses checked here.
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        // Every answer is checked, not only the one connected to: a name with one private answer is refused.
        for (const { address } of addresses) {
          const refusal = refusalFor(purpose, allow, hostname, address);
          if (refusal) return callback(refusal, "", 0);
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) {
          return callback(Object.assign(new Error(`${hostname} has no address to connect to.`), { code: "ENOTFOUND" }), "", 0);
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
  const connector = buildConnector({ lookup, timeout: CONNECT_TIMEOUT_MS });
  const dispatcher = new Agent({
    connect: (options, callback) => {
      // An IP literal skips the socket's lookup, so it is checked here ([::1] reaches us as ::1).
      if (isIP(options.hostname) !== 0) {
        const refusal = refusalFor(purpose, allow, options.hostname, options.hostname);
        if (refusal) return callback(refusal, null);
      }
      connector(options, callback);
    },
  });

  const fetch: GuardedFetch = async (input, init) => {
    if (typeof input !== "string" && !(input instanceof URL)) {
      throw new TypeError("The outbound guard takes a URL and options, not a Request object.");
    }
    const response = await undiciFetch(input, { ...(init as UndiciRequestInit), dispatcher });
    // undici 7's Response implements the WHATWG interface Node's own fetch returns (Node bundles an older undici);
    // only the type declarations are separate copies.
    return response as unknown as Response;
  };
  return { purpose, fetch, close: () => dispatcher.close() };
}

const sharedGuards = new Map<OutboundPurpose, OutboundGuard>();

/** The process's guard for a purpose, with the operator's allow-list; one connection pool each, kept alive between calls. */
export function outboundGuard(purpose: OutboundPurpose): OutboundGuard {
  let guard = sharedGuards.get(purpose);
  if (!guard) {
    guard = createOutboundGuard(purpose);
    sharedGuards.set(purpose, guard);
  }
  return guard;
}

/**
 * A fetch for the openai SDK that ends its call at the first refusal: the SDK retries failed
 * connections with backoff, and a refused address would only be refused again. Pass `signal` to the
 * SDK's request; after the call, `refusal()` says whether a refusal ended it (the SDK then reports a
 * user abort, whose message says nothing).
 */
export function fetchForSdk(guard: OutboundGuard, onAttempt?: () => void) {
  const controller = new AbortController();
  let refusal: OutboundRefusedError | null = null;
  const fetch: GuardedFetch = async (input, init) => {
    onAttempt?.();
    try {
      return await guard.fetch(input, init);
    } catch (error) {
      refusal = findOutboundRefusal(error);
      if (refusal) controller.abort(refusal);
      throw error;
    }
  };
  return { fetch, signal: controller.signal, refusal: () => refusal };
}

const SAVE_TIME_LOOKUP_MS = 3_000;

/**
 * The courtesy check for forms (the connect-time check is the enforcement): the refusal a request to
 * `url` would meet, when its host is an IP literal or a name that resolves right now to an address the
 * guard refuses. A name that does not resolve now (or not within 3 s) passes: it is checked on connect.
 */
export async function findRefusalForUrl(purpose: OutboundPurpose, url: string, policy: OutboundPolicy = {}) {
  const allow = policy.allow ?? allowListOf(purpose);
  const resolve = policy.resolve ?? resolveWithSystem;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null;
  }
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return refusalFor(purpose, allow, bare, bare);
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    resolve(bare).catch(() => [] as ResolvedAddress[]),
    new Promise<ResolvedAddress[]>((done) => (timer = setTimeout(() => done([]), SAVE_TIME_LOOKUP_MS))),
  ]).finally(() => clearTimeout(timer));
  for (const { address } of addresses) {
    const refusal = refusalFor(purpose, allow, bare, address);
    if (refusal) return refusal;
  }
  return null;
}
