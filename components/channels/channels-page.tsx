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
import { ChannelCard } from "./channel-card";
import { ChannelForm } from "./channel-form";
import { DeliveryLog } from "./delivery-log";
import { SigningSecretBox } from "./signing-secret-box";

/**
 * Team → Channels: where messages and alerts leave the dashboard (a signed webhook, Slack, Teams,
 * Discord, Mattermost, e-mail). Everyone in the team sees them, never their URLs or secrets; admins and
 * owners add, test, edit and delete them (docs/decisions/037-channels.md).
 */
export function ChannelsPage() {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const channels = useQuery(trpc.channel.list.queryOptions(undefined, { retry: false }));
  const [isAdding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ name: string; signingSecret: string } | null>(null);
  const { role } = permissions;
  const canManage = permissions.can("channel:manage");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Channels"
        description="Where agents' messages and the team's alerts go outside the dashboard: a signed webhook, Slack, Microsoft Teams, Discord, Mattermost or e-mail."
        actions={
          canManage && !isAdding ? (
            <Button type="button" onClick={() => setAdding(true)}>
              Add channel
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="channels-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here: you can see the team&apos;s channels and how their last test went. Admins and owners add,
          test, change and delete them, because a channel speaks for the team outside Longhaul.
        </p>
      ) : null}
      {secret ? <SigningSecretBox name={secret.name} secret={secret.signingSecret} onDone={() => setSecret(null)} /> : null}
      {canManage && isAdding ? (
        <Panel
          title="Add a channel"
          description="URLs of chat tools and passwords are encrypted and never shown again; a webhook's signing secret is shown once."
        >
          <ChannelForm
            onDone={() => setAdding(false)}
            onCreated={(created) =>
              created.signingSecret ? setSecret({ name: created.name, signingSecret: created.signingSecret }) : undefined
            }
          />
        </Panel>
      ) : null}
      <section aria-label="Channels" className="space-y-3">
        <RefreshError query={channels} />
        <QuerySection
          query={channels}
          what="The channels"
          loading={<SkeletonGroup label="Loading channels" count={2} className="space-y-3" itemClassName="h-24 rounded-lg" />}
          isEmpty={(list) => list.length === 0}
          empty={
            <EmptyState title="No channels yet" data-testid="channels-empty">
              {canManage
                ? "Add one for each place the team wants to hear from its agents, e.g. an #ops Slack channel."
                : "An admin or owner of the team adds them."}
            </EmptyState>
          }
        >
          {(list) => (
            <ul className="space-y-3" aria-label="Team channels" data-testid="channels">
              {list.map((channel) => (
                <ChannelCard key={channel.id} channel={channel} canManage={canManage} now={now} onSecret={setSecret} />
              ))}
            </ul>
          )}
        </QuerySection>
      </section>
      {/* The delivery log (what was sent where, retries, dead letters): a landmark of its own, named by its heading. */}
      <div data-testid="channel-delivery-log" className="space-y-3">
        {role ? <DeliveryLog canManage={canManage} /> : null}
      </div>
    </div>
  );
}
