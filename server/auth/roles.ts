/**
 * Team roles and the named permissions they grant. Plain data, safe to import from the browser.
 * The rank order is used by `teamProcedure(role)`: a procedure that needs "member" admits admin and owner.
 */
export const TEAM_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type TeamRoleName = (typeof TEAM_ROLES)[number];

export const PERMISSIONS = [
  "agent:view",
  "agent:create",
  "agent:control",
  "approval:decide",
  "budget:raise",
  "team:manage",
  "provider:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<TeamRoleName, readonly Permission[]> = {
  viewer: ["agent:view"],
  member: ["agent:view", "agent:create", "agent:control", "approval:decide"],
  admin: ["agent:view", "agent:create", "agent:control", "approval:decide", "budget:raise", "team:manage", "provider:manage"],
  owner: PERMISSIONS,
};

export function isTeamRole(value: unknown): value is TeamRoleName {
  return typeof value === "string" && (TEAM_ROLES as readonly string[]).includes(value);
}

export function roleRank(role: TeamRoleName): number {
  return TEAM_ROLES.indexOf(role);
}

export function hasRoleAtLeast(role: TeamRoleName, required: TeamRoleName): boolean {
  return roleRank(role) >= roleRank(required);
}

export function can(role: TeamRoleName, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}
