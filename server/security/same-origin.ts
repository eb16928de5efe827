import "server-only";
/**
 * Cross-site request forgery guard for state-changing requests (tRPC mutations are POSTs). Browsers
 * send `Origin` (and `Sec-Fetch-Site`) with every cross-origin POST; a request from another site is
 * refused before it reaches a procedure, whatever cookies it carries. Requests without either header
 * come from non-browser clients (scripts, the executor, tests), which cannot ride a user's session.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const CROSS_ORIGIN_MESSAGE = "Cross-origin requests are not accepted here. Use the Longhaul app itself.";

export function isCrossOriginWrite(req: Request, appUrl: string): boolean {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return false;
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.get("origin");
  if (!origin) return false;
  if (origin === "null") return true;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return true;
  }
  // Only the configured origin (APP_URL) counts as the app's own, never the request's Host header: that is
  // what a DNS-rebinding page controls. better-auth's sign-in accepts the same single origin.
  return from.origin !== new URL(appUrl).origin;
}

export function crossOriginResponse(): Response {
  return Response.json({ error: { message: CROSS_ORIGIN_MESSAGE, code: "FORBIDDEN" } }, { status: 403 });
}
