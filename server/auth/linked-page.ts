import "server-only";
import { notFound, redirect } from "next/navigation";
import { findLinkedTeam, type LinkedKind } from "../teams/linked-team";
import { requireSession } from "./session";

/** The signed-in person and their session's active team (null before they chose one), for server components. */
export async function requireSessionTeam(): Promise<{ userId: string; activeTeamId: string | null }> {
  const session = await requireSession();
  return { userId: session.user.id, activeTeamId: activeTeamOf(session.session) };
}

/** better-auth calls the active team the active organization (server/auth/auth.ts maps it to activeTeamId). */
export const activeTeamOf = (session: object): string | null =>
  (session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null;

/**
 * For a page that shows one row (e.g. /agents/<id>): renders on when the row is in the active team;
 * when it is in another team of the reader, redirects through /go/<team id><path>, which switches the
 * active team and says so ("Switched to team X"); otherwise the 404 page.
 */
export async function openLinkedRow({
  kind,
  id,
  path,
  searchParams = {},
}: {
  kind: LinkedKind;
  id: string;
  path: string;
  searchParams?: Record<string, string | string[] | undefined>;
}): Promise<void> {
  const { userId, activeTeamId } = await requireSessionTeam();
  const team = await findLinkedTeam({ userId, kind, id });
  if (!team) notFound();
  if (team.teamId === activeTeamId) return;
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(searchParams)) for (const one of [value ?? []].flat()) search.append(name, one);
  const query = search.size > 0 ? `?${search.toString()}` : "";
  redirect(`/go/${encodeURIComponent(team.teamId)}${path}${query}`);
}
