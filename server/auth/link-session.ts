import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { withNextPath } from "../../shared/next-path";
import { auth } from "./auth";

/**
 * For pages opened from a link in a message (an approval link, a Slack link): the session, or a redirect
 * to sign-in that comes back to `path` (the link itself) afterwards.
 */
export async function requireSessionFor(path: string) {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) redirect(withNextPath("/sign-in", path));
  return session;
}
