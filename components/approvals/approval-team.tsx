"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTRPC } from "../trpc/react";
import { Badge } from "../ui/badge";
import { CompactSelect } from "../ui/field";

/** The inbox lists every team of the person's: each card says whose it is. */
export function TeamBadge({ name }: { name: string }) {
  return (
    <span data-testid="approval-team" title={`Team ${name}`}>
      <span className="sr-only">Team </span>
      <Badge tone="neutral">{name}</Badge>
    </span>
  );
}

/** On a card of a team where the person is a viewer: why the buttons are off. */
export function ViewerNote({ id, teamName }: { id?: string; teamName: string }) {
  return (
    <p
      id={id}
      className="rounded-md bg-zinc-100 px-3 py-2 text-sm text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
      data-testid="approval-viewer-note"
    >
      You are a viewer in {teamName}: you can follow this approval, but deciding it needs the member role or higher there.
    </p>
  );
}

const TEAM_PARAM = "team";

/** The inbox's team filter, kept in the address (`?team=<id>`) so a reload or a shared link keeps it. */
export function useTeamFilter(): [string | undefined, (teamId: string) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const teamId = params.get(TEAM_PARAM) || undefined;
  const setTeamId = (next: string) => {
    const search = new URLSearchParams(params.toString());
    if (next) search.set(TEAM_PARAM, next);
    else search.delete(TEAM_PARAM);
    const query = search.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return [teamId, setTeamId];
}

/** "All teams" or one of the person's teams; shown only to people in more than one team. */
export function TeamFilter({ teamId, onChange }: { teamId: string | undefined; onChange: (teamId: string) => void }) {
  const trpc = useTRPC();
  const mine = useQuery(trpc.team.mine.queryOptions());
  const teams = mine.data?.teams ?? [];
  if (teams.length < 2 && !teamId) return null;
  return (
    <CompactSelect
      aria-label="Show approvals of"
      value={teamId ?? ""}
      onChange={(e) => onChange(e.target.value)}
      data-testid="approvals-team-filter"
    >
      <option value="">All teams</option>
      {teams.map((team) => (
        <option key={team.id} value={team.id}>
          {team.name}
        </option>
      ))}
    </CompactSelect>
  );
}
