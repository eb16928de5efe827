"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Alert } from "../ui/alert";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/react";
import { AgentForm } from "./form/agent-form";

/** The edit page: the agent's stored settings in the same form that creates agents. */
export function EditAgent({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.agent.settings.queryOptions({ id: agentId }, { retry: false, refetchOnWindowFocus: false }));

  return (
    <div className="mx-auto max-w-3xl">
      <p className="text-sm">
        <Link href={`/agents/${agentId}`} className="text-brand-600 dark:text-brand-400 hover:underline">
          ← Back to the agent
        </Link>
      </p>
      <PageHeader
        title={`Edit ${query.data ? `“${query.data.settings.name}”` : "agent"}`}
        description="Changes apply from the agent's next cycle. Every change is recorded in its history."
        className="mt-2 mb-8"
      />
      {query.isPending ? (
        <p role="status" className="text-sm text-zinc-500">
          Loading the settings…
        </p>
      ) : query.isError ? (
        <Alert variant="inline">{query.error.message}</Alert>
      ) : query.data.isReadOnly ? (
        <Alert variant="inline">This agent is a read-only archive; its settings can&apos;t be changed.</Alert>
      ) : (
        <AgentForm
          key={query.data.version}
          mode={{ kind: "edit", agentId, version: query.data.version, initial: query.data.settings, used: query.data.used }}
        />
      )}
    </div>
  );
}
