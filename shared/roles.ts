/**
 * Team roles and the named permissions they grant. Plain data, safe to import from the browser.
 * The rank order is used by `teamProcedure(role)`: a procedure that needs "member" admits admin and owner.
 */
export const TEAM_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type TeamRoleName = (typeof TEAM_ROLES)[number];

/**
 * What a person may do in a team, named once: tRPC procedures are gated by these names
 * (`teamProcedure("agent:create")`) and the UI asks `can(role, name)` before showing a control.
 */
export const PERMISSIONS = [
  "team:view",
  "team:leave",
  "agent:view",
  "agent:create",
  "agent:edit",
  "agent:control",
  "approval:decide",
  "memory:manage",
  "share:manage",
  "budget:raise",
  "audit:view",
  "team:manage",
  "provider:manage",
  "team:transfer",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ["team:view", "team:leave", "agent:view"];
const MEMBER: readonly Permission[] = [
  ...VIEWER,
  "agent:create",
  "agent:edit",
  "agent:control",
  "approval:decide",
  "memory:manage",
  "share:manage",
];
const ADMIN: readonly Permission[] = [...MEMBER, "budget:raise", "audit:view", "team:manage", "provider:manage"];

const GRANTS: Record<TeamRoleName, readonly Permission[]> = {
  viewer: VIEWER,
  member: MEMBER,
  admin: ADMIN,
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

/** The lowest role that holds a permission (roles are ordered, each holds what the one below holds). */
export function minimumRole(permission: Permission): TeamRoleName {
  return TEAM_ROLES.find((role) => can(role, permission))!;
}
