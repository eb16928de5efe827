"use client";

import { useQuery } from "@tanstack/react-query";
import { can } from "~/shared/roles";
import { NavLink } from "../approvals/nav-link";
import { useTRPC } from "../trpc/react";

/** The audit log's place in the main navigation, shown to those who may read it (team:manage). */
export function AuditNavLink({ className }: { className: string }) {
  const trpc = useTRPC();
  const team = useQuery(trpc.team.current.queryOptions(undefined, { retry: false }));
  if (!team.data || !can(team.data.role, "team:manage")) return null;
  return (
    <NavLink href="/audit" className={className}>
      Audit log
    </NavLink>
  );
}
