import "server-only";
import { parseNextPath } from "../../shared/next-path";
import { auth } from "../auth/auth";
import { env } from "../env";
import { getMembership } from "../teams/teams";
import { db } from "../db/client";
import { TEAM_SWITCHED_PARAM } from "../../shared/team-switched";
import { activeTeamOf } from "../auth/linked-page";

/**
 * A notification's link, `/go/<team id>/<path>` (decision 037): it works for whichever team the reader has
 * active. Signed in and a member: the session's active team becomes that team, then a redirect to the path.
 * Signed out: sign-in, coming back here. Not a member (or no such team): a 404 page saying so. The path
 * must be a path on this app (shared/next-path.ts), or the link is refused: never a redirect elsewhere.
 */
export type DeepLinkAnswer = { kind: "redirect"; location: string } | { kind: "page"; status: number; title: string; message: string };

const TEAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function followDeepLink({ url, headers }: { url: URL; headers: Headers }): Promise<DeepLinkAnswer> {
  const match = /^\/go\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const teamId = match ? decodeURIComponent(match[1]!) : "";
  const to = parseNextPath(`${match?.[2] ?? "/agents"}${url.search}`);
  if (!match || !TEAM_ID.test(teamId) || !to || to.startsWith("/go/")) {
    return { kind: "page", status: 400, title: "This link is not valid", message: "It does not lead to a page of Longhaul." };
  }
  const session = await auth.api.getSession({ headers });
  if (!session) {
    const next = parseNextPath(`${url.pathname}${url.search}`);
    return { kind: "redirect", location: new URL(next ? `/sign-in?next=${encodeURIComponent(next)}` : "/sign-in", env.APP_URL).toString() };
  }
  const membership = await getMembership({ teamId, userId: session.user.id });
  if (!membership) {
    return {
      kind: "page",
      status: 404,
      title: "Not a team of yours",
      message:
        "This link belongs to a team you are not a member of (or that no longer exists). Sign in with the account the message was sent to, or ask the team's admin for an invitation.",
    };
  }
  await db.session.updateMany({ where: { id: session.session.id, userId: session.user.id }, data: { activeTeamId: teamId } });
  const location = new URL(to, env.APP_URL);
  // The page then says "Switched to team X" (components/teams/team-switched-notice.tsx).
  if (activeTeamOf(session.session) !== teamId) location.searchParams.set(TEAM_SWITCHED_PARAM, "1");
  return { kind: "redirect", location: location.toString() };
}
