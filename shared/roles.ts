/**
 * Team roles and the named permissions they grant. Plain data, safe to import from the browser.
 * The rank order is used by `teamProcedure(role)`: a procedure that needs "member" admits admin and owner.
 */
export const TEAM_ROLES = ["viewer", "member", "admin", "owner"] as const;
export type TeamRoleName = (typeof TEAM_ROLES)[number];

/**
 * What a person may do in a team, named once: tRPC procedures are gated by these names
 * (`teamProcedure("agent:create")`) and the UI asks `can(role, name)` before showing a control.
 * Each role holds what the role below it holds and the permissions listed for it here.
 */
const ADDED_BY_ROLE = {
  viewer: ["team:view", "team:leave", "agent:view"],
  member: ["agent:create", "agent:edit", "agent:control", "approval:decide", "memory:manage", "share:manage", "token:manage"],
  admin: ["budget:raise", "audit:view", "team:manage", "provider:manage", "mcp:manage", "secret:manage", "agent:delete", "channel:manage"],
  owner: ["team:transfer"],
} as const satisfies Record<TeamRoleName, readonly string[]>;
export type Permission = (typeof ADDED_BY_ROLE)[TeamRoleName][number];

/** Every permission, from the viewer's to the owner's. */
export const PERMISSIONS: readonly Permission[] = TEAM_ROLES.flatMap((role) => ADDED_BY_ROLE[role]);

export function isTeamRole(value: unknown): value is TeamRoleName {
  return typeof value === "string" && (TEAM_ROLES as readonly string[]).includes(value);
}

export function roleRank(role: TeamRoleName): number {
  return TEAM_ROLES.indexOf(role);
}

export function hasRoleAtLeast(role: TeamRoleName, required: TeamRoleName): boolean {
  return roleRank(role) >= roleRank(required);
}

/** Whether `role` holds `permission`: it does from the role that adds it upwards. */
export function can(role: TeamRoleName, permission: Permission): boolean {
  return hasRoleAtLeast(role, minimumRole(permission));
}

/** The lowest role that holds a permission: the one whose list adds it. */
export function minimumRole(permission: Permission): TeamRoleName {
  return TEAM_ROLES.find((role) => (ADDED_BY_ROLE[role] as readonly Permission[]).includes(permission))!;
}
