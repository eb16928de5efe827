import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

// Paths anyone may open. API routes check sessions themselves and answer 401 rather than redirect.
const PUBLIC_PREFIXES = ["/sign-in", "/sign-up", "/share/", "/invite/", "/api/", "/_next/", "/favicon"];

/**
 * Optimistic gate: visitors without a session cookie are sent to sign-in. Pages and procedures
 * still verify the session itself; a forged cookie gets no further than this redirect would.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PUBLIC_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return NextResponse.next();
  if (getSessionCookie(request)) return NextResponse.next();
  // A relative Location: the browser resolves it against the address it used, so no URL of ours is built
  // from the request's Host header (SECURITY.md).
  const location = pathname === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(pathname + search)}`;
  return new NextResponse(null, { status: 307, headers: { location } });
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
