"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { FormAlert } from "../ui/field";
import { useTRPC } from "../trpc/react";
import { AgentForm } from "./agent-form";

/** The edit page: the agent's stored settings in the same form that creates agents. */
export function EditAgent({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.agent.settings.queryOptions({ id: agentId }, { retry: false, refetchOnWindowFocus: false }));

  return (
    <div className="mx-auto max-w-3xl">
      <p className="text-sm">
        <Link href={`/agents/${agentId}`} className="text-brand-600 dark:text-brand-500 hover:underline">
          ← Back to the agent
        </Link>
      </p>
      <h1 className="mt-2 text-xl font-semibold">Edit {query.data ? `“${query.data.settings.name}”` : "agent"}</h1>
      <p className="mt-1 mb-8 text-sm text-zinc-500">
        Changes apply from the agent&apos;s next cycle. Every change is recorded in its history.
      </p>
      {query.isPending ? (
        <p role="status" className="text-sm text-zinc-500">
          Loading the settings…
        </p>
      ) : query.isError ? (
        <FormAlert>{query.error.message}</FormAlert>
      ) : query.data.isReadOnly ? (
        <FormAlert>This agent is a read-only archive; its settings can&apos;t be changed.</FormAlert>
      ) : (
        <AgentForm
          key={query.data.version}
          mode={{ kind: "edit", agentId, version: query.data.version, initial: query.data.settings, used: query.data.used }}
        />
      )}
    </div>
  );
}
