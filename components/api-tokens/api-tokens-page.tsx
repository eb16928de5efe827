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
import { CreateTokenForm, type CreatedToken } from "./create-token-form";
import { NewTokenBox } from "./new-token-box";
import { TokenRow } from "./token-row";

/**
 * Team → API tokens: what scripts and other services use to act in the team. Members and up create
 * them (acting with at most their own role) and revoke their own; admins and owners revoke any. A new
 * token is shown once. Viewers, who may not manage tokens, get a sentence instead.
 */
export function ApiTokensPage() {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const { role } = permissions;
  const canManage = permissions.can("token:manage");
  const tokens = useQuery(trpc.apiToken.list.queryOptions(undefined, { retry: false, enabled: canManage }));
  const [isCreating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  return (
    <div className="space-y-6">
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens let scripts, CI jobs and other services use this team through Longhaul&apos;s API, each with a role of its own. Every
            route is in the{" "}
            <a href="/api/docs" className="underline">
              API reference
            </a>
            .
          </>
        }
        actions={
          canManage && !isCreating ? (
            <Button
              type="button"
              onClick={() => {
                setCreating(true);
                setCreated(null);
              }}
            >
              Create token
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="api-tokens-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here. A token acts in the team on its creator&apos;s behalf, so members, admins and owners
          create and revoke them; ask one of them for a token, or for a role that can make one.
        </p>
      ) : null}
      {created ? <NewTokenBox created={created} onDone={() => setCreated(null)} /> : null}
      {canManage && role && isCreating ? (
        <Panel title="Create a token" description="Name it after what will use it. It acts with the role you choose, never above your own.">
          <CreateTokenForm
            myRole={role}
            onCreated={(result) => {
              setCreated(result);
              setCreating(false);
            }}
            onCancel={() => setCreating(false)}
          />
        </Panel>
      ) : null}
      {canManage ? (
        <section aria-label="Tokens" className="space-y-3">
          <RefreshError query={tokens} />
          <QuerySection
            query={tokens}
            what="The tokens"
            loading={<SkeletonGroup label="Loading tokens" count={2} className="space-y-3" itemClassName="h-24 rounded-lg" />}
            isEmpty={(list) => list.length === 0}
            empty={
              <EmptyState title="No tokens yet" data-testid="api-tokens-empty">
                Create one for each script or service, so that each can be revoked on its own.
              </EmptyState>
            }
          >
            {(list) => (
              <ul className="space-y-3" aria-label="API tokens" data-testid="api-tokens">
                {list.map((token) => (
                  <TokenRow key={token.id} token={token} now={now} />
                ))}
              </ul>
            )}
          </QuerySection>
        </section>
      ) : null}
    </div>
  );
}
