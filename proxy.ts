import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { parseNextPath } from "./shared/next-path";
import { env } from "./server/env";
import { newNonce, securityHeaders } from "./server/http/security-headers";

// Paths anyone may open. API routes check sessions themselves and answer 401 rather than redirect.
const PUBLIC_PREFIXES = ["/sign-in", "/sign-up", "/share/", "/invite/", "/api/", "/_next/", "/favicon"];

/**
 * Every page and API response gets the hardening headers (server/http/security-headers.ts); pages get
 * a per-request script nonce, which Next.js reads from the request's Content-Security-Policy.
 *
 * Optimistic gate: visitors without a session cookie are sent to sign-in. Pages and procedures
 * still verify the session itself; a forged cookie gets no further than this redirect would.
 */
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const headers = securityHeaders({ pathname, nonce: newNonce(), isDevelopment: env.NODE_ENV === "development" });
  const isAllowedThrough = PUBLIC_PREFIXES.some((prefix) => pathname.startsWith(prefix)) || !!getSessionCookie(request);
  const response = isAllowedThrough ? passThrough(request, headers) : redirectToSignIn(request);
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function passThrough(request: NextRequest, headers: Record<string, string>) {
  const forwarded = new Headers(request.headers);
  forwarded.set("content-security-policy", headers["Content-Security-Policy"]!);
  return NextResponse.next({ request: { headers: forwarded } });
}

function redirectToSignIn(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  // Only a path that is safe to follow is carried along (a path such as //host/... names another origin).
  const next = parseNextPath(pathname + search);
  // On APP_URL, never on the request's Host header (docs/decisions/022): sign-in only works there anyway.
  const url = new URL(pathname === "/" || !next ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`, env.APP_URL);
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
