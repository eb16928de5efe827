import { can, PERMISSIONS, type Permission, type TeamRoleName } from "~/shared/roles";

/** How the UI names roles and what each may do, derived from the one permission table (shared/roles.ts). */
export const ROLE_LABELS: Record<TeamRoleName, string> = { viewer: "Viewer", member: "Member", admin: "Admin", owner: "Owner" };

const PERMISSION_LABELS: Record<Permission, string> = {
  "team:view": "see the team and its members",
  "team:leave": "leave the team",
  "agent:view": "see agents and approvals",
  "agent:create": "create agents",
  "agent:edit": "edit and fork agents",
  "agent:control": "start, pause and stop agents",
  "approval:decide": "decide approvals",
  "memory:manage": "pin, edit and forget memories",
  "share:manage": "share histories",
  "token:manage": "create API tokens",
  "budget:raise": "raise budgets",
  "audit:view": "read the audit log",
  "team:manage": "manage people and invitations",
  "provider:manage": "manage model providers",
  "mcp:manage": "manage MCP servers",
  "secret:manage": "manage team secrets",
  "channel:manage": "manage channels and notification rules",
  "agent:delete": "delete agents",
  "team:transfer": "transfer ownership",
};

/** "see agents and approvals, create agents and decide approvals" */
export function roleAbilities(role: TeamRoleName): string {
  // Seeing the team and leaving it go without saying.
  const labels = PERMISSIONS.filter((p) => can(role, p) && p !== "team:view" && p !== "team:leave").map((p) => PERMISSION_LABELS[p]);
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
