/**
 * Where to go after signing in or up (`?next=`), shared by the forms, the sign-up page and proxy.ts
 * (browser-safe, no imports). Only a path on this app is followed: anything a browser or router could
 * read as another origin is refused and replaced by the default. Browsers treat `\` like `/` and drop
 * tabs and newlines inside URLs, so `/\evil.com` and `/\t/evil.com` are `//evil.com`, another host;
 * percent-encoded forms are refused too, in case anything on the way decodes them.
 */
export const DEFAULT_NEXT_PATH = "/agents";

// Any origin works for resolving a path: a reserved name that can never be a real host.
const BASE = new URL("http://app.invalid");
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_LENGTH = 2048;

function looksLikeAnotherOrigin(text: string): boolean {
  return !text.startsWith("/") || text.startsWith("//") || text.includes("\\") || CONTROL_CHARACTERS.test(text);
}

/** The path itself when it is a safe same-origin path (normalised), otherwise null. */
export function parseNextPath(next: string | null | undefined): string | null {
  if (typeof next !== "string" || next === "" || next.length > MAX_LENGTH) return null;
  // The raw text, then each layer of percent-decoding (double encoding included).
  let layer = next;
  for (let depth = 0; ; depth++) {
    if (looksLikeAnotherOrigin(layer)) return null;
    if (depth === 3) break;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return null;
    }
    if (decoded === layer) break;
    layer = decoded;
  }
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE.origin) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can fold into a protocol-relative path: "/..//evil.com" resolves to "//evil.com".
  return looksLikeAnotherOrigin(path) ? null : path;
}

/** Where to send someone after signing in or up. */
export function safeNextPath(next: string | null | undefined): string {
  return parseNextPath(next) ?? DEFAULT_NEXT_PATH;
}

/** A link to sign-in or sign-up that keeps a safe `next`. */
export function withNextPath(path: string, next: string | null | undefined): string {
  const safe = parseNextPath(next);
  return safe ? `${path}?next=${encodeURIComponent(safe)}` : path;
}

/** The invitation id when `next` leads to an invitation (`/invite/<id>`), so sign-up can carry it. */
export function invitationIdFromNextPath(next: string | null | undefined): string | null {
  const path = parseNextPath(next);
  const match = path ? /^\/invite\/([A-Za-z0-9_-]{43})(?:[?#]|$)/.exec(path) : null;
  return match?.[1] ?? null;
}
