import { can, PERMISSIONS, type Permission, type TeamRoleName } from "~/server/auth/roles";

/** How the UI names roles and what each may do, derived from the one permission table (server/auth/roles.ts). */
export const ROLE_LABELS: Record<TeamRoleName, string> = { viewer: "Viewer", member: "Member", admin: "Admin", owner: "Owner" };

const PERMISSION_LABELS: Record<Permission, string> = {
  "agent:view": "see agents and approvals",
  "agent:create": "create agents",
  "agent:control": "start, pause and stop agents",
  "approval:decide": "decide approvals",
  "budget:raise": "raise budgets",
  "team:manage": "manage people and invitations",
  "provider:manage": "manage model providers",
};

/** "see agents and approvals, create agents and decide approvals" */
export function roleAbilities(role: TeamRoleName): string {
  const labels = PERMISSIONS.filter((p) => can(role, p)).map((p) => PERMISSION_LABELS[p]);
  if (role === "owner") labels.push("transfer ownership");
  return labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}` : (labels[0] ?? "nothing");
}

/** "Can see agents and approvals." */
export function describeRole(role: TeamRoleName): string {
  return `Can ${roleAbilities(role)}.`;
}

export const ROLE_WITH_ARTICLE: Record<TeamRoleName, string> = {
  viewer: "a viewer",
  member: "a member",
  admin: "an admin",
  owner: "an owner",
};
