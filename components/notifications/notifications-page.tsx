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
import { MyEmailRule } from "./my-email-rule";
import { RecentNotifications } from "./recent-notifications";
import { NEW_RULE, RuleForm } from "./rule-form";
import { RuleRow } from "./rule-row";

/**
 * Team → Notifications (decision 037): the team's rules (which events go to which channels, how often),
 * read-only for everyone but admins and owners; each person's own e-mail rule; the latest notifications.
 */
export function NotificationsPage() {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const rules = useQuery(trpc.notification.rules.queryOptions(undefined, { retry: false }));
  const channels = useQuery(trpc.channel.list.queryOptions(undefined, { retry: false }));
  const [isAdding, setAdding] = useState(false);
  const { role } = permissions;
  const canManage = permissions.can("channel:manage");
  const channelList = channels.data ?? [];

  return (
    <div className="space-y-6">
      <PageHeader
        title="Notifications"
        description="Which events leave the dashboard, to which channels, and how often. Each message links straight to the agent, in the right team."
        actions={
          canManage && !isAdding ? (
            <Button type="button" onClick={() => setAdding(true)}>
              Add rule
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="rules-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here: you can see the team&apos;s rules; admins and owners change them. Your own e-mail
          notifications are yours to set below.
        </p>
      ) : null}
      {canManage && isAdding ? (
        <Panel title="Add a rule" description="Pick the events and the channels they go to.">
          <RuleForm initial={NEW_RULE} channels={channelList} onDone={() => setAdding(false)} />
        </Panel>
      ) : null}
      <section aria-label="Team rules" className="space-y-3">
        <h2 className="text-base font-semibold">Team rules</h2>
        <RefreshError query={rules} />
        <QuerySection
          query={rules}
          what="The rules"
          loading={<SkeletonGroup label="Loading rules" count={2} className="space-y-3" itemClassName="h-20 rounded-lg" />}
          isEmpty={(list) => list.length === 0}
          empty={
            <EmptyState title="No rules yet" data-testid="rules-empty">
              {canManage
                ? "Add one to send approvals, questions or failures to Slack, Teams, e-mail or a webhook."
                : "An admin or owner of the team adds them."}
            </EmptyState>
          }
        >
          {(list) => (
            <ul className="space-y-3" aria-label="Notification rules" data-testid="notification-rules">
              {list.map((rule) => (
                <RuleRow key={rule.id} rule={rule} channels={channelList} canManage={canManage} />
              ))}
            </ul>
          )}
        </QuerySection>
      </section>
      <MyEmailRule />
      <RecentNotifications now={now} />
    </div>
  );
}
