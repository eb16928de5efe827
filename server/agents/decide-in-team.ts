import "server-only";
import { can, isTeamRole, minimumRole } from "../../shared/roles";
import { AppError, notFound } from "../errors";
import { findLinkedTeam } from "../teams/linked-team";
import { decideApproval } from "./control";

/**
 * Decides an approval of any team the person belongs to, whichever team is active (the cross-team inbox):
 * the approval's team is found among theirs (server/teams/linked-team.ts), and the permission is checked
 * in THAT team, so a viewer there cannot decide it even if they are an owner elsewhere.
 */
export async function decideApprovalInItsTeam({
  userId,
  approvalId,
  ...decision
}: {
  userId: string;
  approvalId: string;
  decision: "approved" | "rejected";
  comment?: string;
  answer?: string;
}) {
  const team = await findLinkedTeam({ userId, kind: "approval", id: approvalId });
  if (!team || !isTeamRole(team.role)) throw notFound("That approval");
  if (!can(team.role, "approval:decide")) {
    throw new AppError(
      "FORBIDDEN",
      `Deciding approvals needs the ${minimumRole("approval:decide")} role or higher in ${team.teamName}; you are ${team.role} there.`,
    );
  }
  await decideApproval({ teamId: team.teamId, userId, approvalId, ...decision });
  return { teamId: team.teamId };
}
