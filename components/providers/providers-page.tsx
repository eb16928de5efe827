"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ROLE_WITH_ARTICLE } from "../teams/roles";
import { TeamNav } from "../teams/team-nav";
import { usePermissions } from "../teams/use-permissions";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { PageHeader } from "../ui/page-header";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";
import { useNow } from "../ui/use-now";
import { ProviderCard } from "./provider-card";
import { EmbeddingSettings } from "./embedding-settings";
import { ProviderFormFields } from "./provider-form";
import { SummarizerSettings } from "./summarizer-settings";

/**
 * Team → Model providers: the OpenAI-compatible endpoints the team's agents call. Everyone in the team
 * sees them (never a key or a header's value); admins and owners add, change, test and delete them.
 */
export function ProvidersPage() {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const providers = useQuery(trpc.provider.list.queryOptions(undefined, { retry: false }));
  const [isAdding, setAdding] = useState(false);
  const { role } = permissions;
  const canManage = permissions.can("provider:manage");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Model providers"
        description="The OpenAI-compatible endpoints your team's agents call, with their keys and what a connection test found."
        actions={
          canManage && !isAdding ? (
            <Button type="button" onClick={() => setAdding(true)}>
              Add provider
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="providers-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here: you can see the providers and their prices. Admins and owners add, change, test, price and
          delete them.
        </p>
      ) : null}
      {isAdding ? (
        <Panel title="Add a provider" description="Pick a kind to fill in its usual address; the key is never shown again once saved.">
          <ProviderFormFields provider={null} onDone={() => setAdding(false)} />
        </Panel>
      ) : null}
      <section aria-label="Providers" className="space-y-3">
        <RefreshError query={providers} />
        <QuerySection
          query={providers}
          what="The providers"
          loading={<SkeletonGroup label="Loading providers" count={2} className="space-y-4" itemClassName="h-48 rounded-xl" />}
          isEmpty={(list) => list.length === 0}
          empty={
            <EmptyState title="No providers yet" data-testid="providers-empty">
              {canManage
                ? "Add the endpoint your agents should call: OpenAI, a hosted one, or a local server like Ollama."
                : "An admin or owner of the team adds them; until then agents run on the simulator."}
            </EmptyState>
          }
        >
          {(list) => (
            <ul className="space-y-4" aria-label="Model providers">
              {list.map((provider) => (
                <ProviderCard key={provider.id} provider={provider} canManage={canManage} now={now} />
              ))}
            </ul>
          )}
        </QuerySection>
      </section>
      {providers.data ? <EmbeddingSettings providers={providers.data} canManage={canManage} /> : null}
      {providers.data && providers.data.length > 0 ? <SummarizerSettings canManage={canManage} /> : null}
    </div>
  );
}
