"use client";

import { useQuery } from "@tanstack/react-query";
import { can, isTeamRole, minimumRole, type Permission, type TeamRoleName } from "~/shared/roles";
import { useTRPC } from "../trpc/react";
import { ROLE_LABELS } from "./roles";

export type Permissions = {
  /** The person's role in the active team; null while it loads (or when it cannot be read). */
  role: TeamRoleName | null;
  team: { id: string; name: string; role: string } | null;
  isLoading: boolean;
  /** Whether the person may do what `permission` names. Unknown (loading): false, so no control flashes enabled. */
  can: (permission: Permission) => boolean;
  /**
   * Why not, in a sentence for a tooltip and a screen reader: "Viewers cannot pause agents. Ask an
   * admin for the member role." `action` completes "cannot …". Null when the person may.
   */
  whyNot: (permission: Permission, action: string) => string | null;
};

/** The sentence for a role that lacks a permission (also used where the role is known without the hook). */
export function missingPermissionReason(role: TeamRoleName, permission: Permission, action: string): string {
  const needed = minimumRole(permission);
  const ask = needed === "owner" ? "Only an owner can." : `Ask an admin for the ${needed} role.`;
  return `${ROLE_LABELS[role]}s cannot ${action}. ${ask}`;
}

/**
 * The active team's role and what it allows, for every control that follows the person's
 * permissions: one query (team.current, shared by every caller through the query cache) and the one
 * permission table (shared/roles.ts). The server checks again on every call; this only keeps people
 * from clicking what would be refused.
 */
export function usePermissions(): Permissions {
  const trpc = useTRPC();
  const team = useQuery(trpc.team.current.queryOptions(undefined, { retry: false }));
  const role = team.data && isTeamRole(team.data.role) ? team.data.role : null;
  return {
    role,
    team: team.data ? { id: team.data.id, name: team.data.name, role: team.data.role } : null,
    isLoading: team.isPending,
    can: (permission) => role !== null && can(role, permission),
    whyNot: (permission, action) => {
      if (role === null) return team.isPending ? "Loading your role in this team…" : "Your role in this team could not be read.";
      return can(role, permission) ? null : missingPermissionReason(role, permission, action);
    },
  };
}
