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
import { AddSecretForm } from "./add-secret-form";
import { SecretRow } from "./secret-row";

/**
 * Team → Secrets: values agents send with the HTTP request tool as `{{secret:NAME}}` without the model
 * ever seeing them. Everyone in the team sees the names and last four characters; admins and owners add,
 * rotate and delete them. A value is never shown again once saved (docs/decisions/036).
 */
export function SecretsPage() {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const secrets = useQuery(trpc.secret.list.queryOptions(undefined, { retry: false }));
  const [isAdding, setAdding] = useState(false);
  const { role } = permissions;
  const canManage = permissions.can("secret:manage");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Secrets"
        description={
          <>
            Tokens and keys agents send with the HTTP request tool: write <code className="font-mono">{"{{secret:NAME}}"}</code> in a
            header, the query or the body. The model never sees a value, and answers show it as{" "}
            <code className="font-mono">[secret:NAME]</code>.
          </>
        }
        actions={
          canManage && !isAdding ? (
            <Button type="button" onClick={() => setAdding(true)}>
              Add secret
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="secrets-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here: you can see which secrets exist, to refer to them by name. Admins and owners add, rotate
          and delete them, because whoever sets a value decides what agents send in the team&apos;s name.
        </p>
      ) : null}
      {canManage && isAdding ? (
        <Panel title="Add a secret" description="Name it the way agents will refer to it. The value is encrypted and never shown again.">
          <AddSecretForm onDone={() => setAdding(false)} />
        </Panel>
      ) : null}
      <section aria-label="Secrets" className="space-y-3">
        <RefreshError query={secrets} />
        <QuerySection
          query={secrets}
          what="The secrets"
          loading={<SkeletonGroup label="Loading secrets" count={2} className="space-y-3" itemClassName="h-20 rounded-lg" />}
          isEmpty={(list) => list.length === 0}
          empty={
            <EmptyState title="No secrets yet" data-testid="secrets-empty">
              {canManage
                ? "Add one for each token or key an agent should send, e.g. GITHUB_TOKEN."
                : "An admin or owner of the team adds them."}
            </EmptyState>
          }
        >
          {(list) => (
            <ul className="space-y-3" aria-label="Team secrets" data-testid="secrets">
              {list.map((secret) => (
                <SecretRow key={secret.id} secret={secret} canManage={canManage} now={now} />
              ))}
            </ul>
          )}
        </QuerySection>
      </section>
    </div>
  );
}
