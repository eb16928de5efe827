"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { TEAM_SWITCHED_PARAM } from "~/shared/team-switched";
import { useTRPC } from "../trpc/react";

/**
 * "Switched to team X" after a link switched the active team (shared/team-switched.ts). The parameter is
 * dropped from the address at once (a reload or a copied link does not repeat the notice); the notice
 * stays until dismissed or the person goes to another page.
 */
export function TeamSwitchedNotice() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const pathname = usePathname();
  const [shownOn, setShownOn] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const team = useQuery(trpc.team.current.queryOptions());

  const isSwitched = params.get(TEAM_SWITCHED_PARAM) === "1";
  // Remembered for this page: the parameter leaves the address at once (below).
  if (isSwitched && shownOn !== pathname) setShownOn(pathname);

  useEffect(() => {
    if (!isSwitched) return;
    // Reached by a navigation inside the app: what was loaded for the previous team (the team switcher's
    // choice, the team's name here) is out of date.
    void queryClient.invalidateQueries();
    const url = new URL(window.location.href);
    url.searchParams.delete(TEAM_SWITCHED_PARAM);
    window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}${url.hash}`);
  }, [isSwitched, queryClient]);

  if (shownOn !== pathname || !team.data || team.isFetching) return null;
  return (
    <div
      role="status"
      data-testid="team-switched"
      className="mb-4 flex items-center justify-between gap-3 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900 ring-1 ring-sky-200 dark:bg-sky-950 dark:text-sky-100 dark:ring-sky-900"
    >
      <span>
        Switched to team <strong>{team.data.name}</strong> to open this link.
      </span>
      <button type="button" className="font-semibold underline" onClick={() => setShownOn(null)}>
        Dismiss
      </button>
    </div>
  );
}
