"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "../trpc/react";
import { Skeleton } from "../ui/skeleton";
import { CompactSelect } from "../ui/field";

const CREATE = "__create__";

export function TeamSwitcher() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const mine = useQuery(trpc.team.mine.queryOptions());
  const setActive = useMutation(
    trpc.team.setActive.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.refresh();
      },
    }),
  );

  if (mine.isPending) return <Skeleton className="h-8 w-40 rounded-md" label="Loading teams" />;
  if (mine.isError) return <span className="text-sm text-red-600">Teams could not be loaded</span>;

  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Active team</span>
      <CompactSelect
        data-testid="team-switcher"
        value={mine.data.activeTeamId ?? ""}
        disabled={setActive.isPending}
        onChange={(event) => {
          const value = event.target.value;
          if (value === CREATE) {
            router.push("/teams/new");
            return;
          }
          setActive.mutate({ teamId: value });
        }}
      >
        {mine.data.activeTeamId === null ? <option value="">Choose a team</option> : null}
        {mine.data.teams.map((team) => (
          <option key={team.id} value={team.id}>
            {team.name} ({team.role})
          </option>
        ))}
        <option value={CREATE}>+ Create a team…</option>
      </CompactSelect>
    </label>
  );
}
