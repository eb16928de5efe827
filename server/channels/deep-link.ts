import "server-only";
import { env } from "../env";

/**
 * An absolute link, for a message that leaves Longhaul, that opens `path` in `teamId`: app/go switches the
 * reader's active team first (a signed-out reader signs in; someone outside the team gets a 404 page).
 * Built from APP_URL, never from a request.
 */
export function deepLink(teamId: string, path: string): string {
  const base = env.APP_URL.replace(/\/+$/, "");
  return `${base}/go/${encodeURIComponent(teamId)}${path.startsWith("/") ? path : `/${path}`}`;
}
