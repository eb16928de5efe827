"use client";

import { NavLink } from "../approvals/nav-link";
import { usePermissions } from "../teams/use-permissions";

/** The audit log's place in the main navigation, shown to those who may read it (team:manage). */
export function AuditNavLink({ className }: { className: string }) {
  if (!usePermissions().can("team:manage")) return null;
  return (
    <NavLink href="/audit" className={className}>
      Audit log
    </NavLink>
  );
}
