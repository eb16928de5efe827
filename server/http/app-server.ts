import "server-only";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import proxyaddr from "proxy-addr";

/**
 * The app's HTTP front (scripts/serve.ts puts Next.js behind it; docs/decisions/020).
 *
 * Anything that counts requests per client (better-auth's sign-in rate limit) keys on the address in
 * `X-Forwarded-For`. Next.js fills that header with the socket's address only when the client sent
 * none, so a client could name itself anything, one new address per attempt. This front decides the
 * client's address before Next sees the request: the socket's peer, unless that peer is one of
 * `TRUSTED_PROXIES`, in which case the forwarded chain is walked right to left past the trusted hops
 * (proxy-addr, the library express uses). `X-Forwarded-For` then holds that one address and nothing
 * the client wrote; the other forwarding headers are dropped unless a trusted proxy sent them.
 */

type TrustFunction = (address: string, hop: number) => boolean;

const FORWARDING_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded", "x-real-ip"];

/** `TRUSTED_PROXIES` as a list: IP addresses, CIDR ranges, or proxy-addr's names (loopback, linklocal, uniquelocal). */
export function parseTrustedProxies(value: string): string[] {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    try {
      proxyaddr.compile(entry);
    } catch {
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, ::1, loopback).`);
    }
  }
  return entries;
}

export function compileTrustedProxies(trustedProxies: readonly string[]): TrustFunction {
  return proxyaddr.compile([...trustedProxies]);
}

/**
 * Replaces the request's forwarding headers with the client address this server trusts, and returns
 * that address. Mutates `req.headers` (what Next.js and better-auth read).
 */
export function rewriteForwardingHeaders(req: IncomingMessage, trust: TrustFunction): string {
  const peer = req.socket.remoteAddress ?? "";
  const isFromTrustedProxy = peer !== "" && trust(peer, 0);
  const resolved = isFromTrustedProxy ? proxyaddr(req, trust) : peer;
  // A trusted proxy may pass on a hop it could not parse; the peer is then the best we know.
  const client = isIP(resolved) ? resolved : peer;
  if (!isFromTrustedProxy) {
    for (const name of FORWARDING_HEADERS) delete req.headers[name];
  }
  req.headers["x-forwarded-for"] = client;
  return client;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** A node:http server that settles each request's client address, then hands it to `handle` (Next.js, or better-auth in tests). */
export function createAppServer({ handle, trustedProxies }: { handle: RequestHandler; trustedProxies: readonly string[] }): http.Server {
  const trust = compileTrustedProxies(trustedProxies);
  return http.createServer((req, res) => {
    rewriteForwardingHeaders(req, trust);
    Promise.resolve(handle(req, res)).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("Internal Server Error");
    });
  });
}
