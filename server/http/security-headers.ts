import "server-only";
/**
 * Hardening headers for every page and API response, set by proxy.ts (docs/decisions/020). No imports:
 * proxy.ts bundles this.
 *
 * - Content-Security-Policy: scripts only with this response's nonce (Next.js puts it on its own
 *   scripts, which then load their chunks: 'strict-dynamic'); styles 'unsafe-inline', because React
 *   renders style attributes and sonner injects its stylesheet, neither of which can carry a nonce;
 *   no plugins, no <base> elsewhere, forms post only here, and no framing (frame-ancestors 'none').
 *   Next's development server evaluates modules with eval, so `npm run dev` adds 'unsafe-eval'.
 * - X-Frame-Options: DENY for browsers without frame-ancestors; X-Content-Type-Options: nosniff.
 * - Referrer-Policy: strict-origin-when-cross-origin everywhere (other sites see the origin only, never an
 *   invitation or agent path; "no-referrer" would also blank the Origin header of the app's own POSTs,
 *   which better-auth and server/security/same-origin.ts check), and no-referrer on /share/ (read-only
 *   pages whose path is their secret token).
 */
export function contentSecurityPolicy({ nonce, isDevelopment }: { nonce: string; isDevelopment: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDevelopment ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders({
  pathname,
  nonce,
  isDevelopment,
}: {
  pathname: string;
  nonce: string;
  isDevelopment: boolean;
}): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy({ nonce, isDevelopment }),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": pathname.startsWith("/share/") ? "no-referrer" : "strict-origin-when-cross-origin",
  };
}

/** A fresh nonce per response: 128 random bits, base64. */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}
