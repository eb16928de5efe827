import "server-only";
import { can, TEAM_ROLES } from "../../shared/roles";
import { db } from "../db/client";

/** The roles whose holders decide approvals: the pending count counts what waits on the person. */
const DECIDING_ROLES = TEAM_ROLES.filter((role) => can(role, "approval:decide"));

/**
 * The approvals waiting on a person across all their teams (those where their role decides approvals;
 * a viewer's teams are left out: nothing there waits on them), with the newest few for browser
 * notifications.
 */
export async function pendingAcrossTeams({ userId }: { userId: string }) {
  const memberships = await db.member.findMany({
    where: { userId, role: { in: DECIDING_ROLES } },
    select: { teamId: true, team: { select: { name: true } } },
  });
  const teamIds = memberships.map((m) => m.teamId);
  if (teamIds.length === 0) return { total: 0, teams: [], latest: [] };
  const [counts, latest] = await Promise.all([
    db.approval.groupBy({ by: ["teamId"], where: { teamId: { in: teamIds }, status: "pending" }, _count: { _all: true } }),
    db.approval.findMany({
      where: { teamId: { in: teamIds }, status: "pending" },
      orderBy: { createdAt: "desc" },
      take: 10,
      select: { id: true, teamId: true, kind: true, toolName: true, createdAt: true, agent: { select: { name: true } } },
    }),
  ]);
  const names = new Map(memberships.map((m) => [m.teamId, m.team.name]));
  const teams = counts
    .map((c) => ({ teamId: c.teamId, teamName: names.get(c.teamId) ?? "", count: c._count._all }))
    .sort((a, b) => b.count - a.count);
  return {
    total: teams.reduce((sum, t) => sum + t.count, 0),
    teams,
    latest: latest.map((a) => ({
      id: a.id,
      teamId: a.teamId,
      teamName: names.get(a.teamId) ?? "",
      kind: a.kind,
      toolName: a.toolName,
      agentName: a.agent.name,
      createdAt: a.createdAt,
    })),
  };
}
