import "server-only";
import { notFound, redirect } from "next/navigation";
import { requireSession } from "../auth/session";
import { db } from "../db/client";
import { getMembership, type Membership } from "./teams";

/**
 * Links into any of my teams (defect 1 of issue 22): a link names a row (an agent, an approval, a run, a
 * share link, an audit entry) but not its team. This finds the team of that row among the teams the person
 * belongs to, in one query per kind scoped by membership, so a row of a team they are not in is never
 * found (and an outsider learns nothing, not even that it exists). The pages then switch the active team
 * through /go/<team id> (server/notifications/deep-link.ts) or act in that team directly (the approvals inbox).
 */
export type LinkedKind = "agent" | "approval" | "run" | "shareLink" | "auditEntry";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDIT_ID = /^[1-9][0-9]{0,17}$/;

type Found = { teamId: string } | null;

function findRow(kind: LinkedKind, id: string, userId: string): Promise<Found> {
  const ofMine = { team: { members: { some: { userId } } } };
  const select = { teamId: true } as const;
  switch (kind) {
    case "agent":
      return db.agent.findFirst({ where: { id, ...ofMine }, select });
    case "approval":
      return db.approval.findFirst({ where: { id, ...ofMine }, select });
    case "run":
      return db.agentRun.findFirst({ where: { id, ...ofMine }, select });
    case "shareLink":
      return db.shareLink.findFirst({ where: { id, ...ofMine }, select });
    case "auditEntry":
      return db.auditLog.findFirst({ where: { id: BigInt(id), ...ofMine }, select });
  }
}

/** The person's membership in the team the row belongs to; null when no team of theirs has it (or the id is malformed). */
export async function findLinkedTeam({ userId, kind, id }: { userId: string; kind: LinkedKind; id: string }): Promise<Membership | null> {
  if (!(kind === "auditEntry" ? AUDIT_ID : UUID).test(id)) return null;
  const row = await findRow(kind, id, userId);
  return row ? getMembership({ teamId: row.teamId, userId }) : null;
}

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
