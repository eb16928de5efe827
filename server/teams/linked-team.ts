import "server-only";
import { db } from "../db/client";
import { getMembership, type Membership } from "./teams";

/**
 * Links into any of my teams (defect 1 of issue 22): a link names a row (an agent, an approval, a run, a
 * share link, an audit entry) but not its team. This finds the team of that row among the teams the person
 * belongs to, in one query per kind scoped by membership, so a row of a team they are not in is never
 * found (and an outsider learns nothing, not even that it exists). The pages then switch the active team
 * through /go/<team id> (server/auth/linked-page.ts, server/notifications/deep-link.ts) or act in that team
 * directly (the approvals inbox, server/agents/decide-in-team.ts).
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
