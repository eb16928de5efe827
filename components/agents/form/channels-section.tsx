"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { CHANNEL_KIND_LABELS } from "~/shared/channels";
import { useTRPC } from "../../trpc/react";
import { Alert } from "../../ui/alert";
import { Badge } from "../../ui/badge";
import { QuerySection } from "../../ui/query-section";
import { SkeletonGroup } from "../../ui/skeleton";
import type { AgentFormApi } from "./use-agent-form";

/**
 * Where the agent's send_message goes besides the outbox (issue 21): any of the team's channels. None
 * chosen is today's behaviour (the outbox only). A channel switched off keeps its place but sends nothing.
 */
export function ChannelsSection({ form }: { form: AgentFormApi }) {
  const trpc = useTRPC();
  const channels = useQuery(trpc.channel.list.queryOptions(undefined, { refetchOnWindowFocus: false }));
  const { values, set } = form;
  const chosen = new Set(values.messageChannelIds);
  const toggle = (id: string, on: boolean) =>
    set("messageChannelIds", on ? [...values.messageChannelIds, id] : values.messageChannelIds.filter((other) => other !== id));
  const known = new Set((channels.data ?? []).map((channel) => channel.id));
  const missing = channels.data ? values.messageChannelIds.filter((id) => !known.has(id)) : [];
  const error = form.errorFor("messageChannelIds");

  return (
    <fieldset className="space-y-3" data-testid="agent-channels">
      <legend className="text-base font-semibold">Where its messages go</legend>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Every message the agent sends with <code className="font-mono">send_message</code> lands in the team outbox. Choose channels to
        deliver it there too (after its approval, when the tool asks for one).
      </p>
      <QuerySection
        query={channels}
        what="The team's channels"
        loading={<SkeletonGroup label="Loading channels" count={1} className="space-y-2" itemClassName="h-10 rounded-lg" />}
        isEmpty={(list) => list.length === 0}
        empty={
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="agent-channels-empty">
            The team has no channels yet.{" "}
            <Link href="/team/channels" className="font-medium underline">
              Add one in Team → Channels
            </Link>{" "}
            (admins and owners).
          </p>
        }
      >
        {(list) => (
          <ul className="grid gap-2 sm:grid-cols-2">
            {list.map((channel) => (
              <li key={channel.id}>
                <label className="flex items-start gap-2 rounded-lg p-2 ring-1 ring-zinc-200 dark:ring-zinc-800">
                  <input
                    type="checkbox"
                    className="mt-1"
                    checked={chosen.has(channel.id)}
                    onChange={(event) => toggle(channel.id, event.target.checked)}
                  />
                  <span className="min-w-0 text-sm">
                    <span className="font-medium">{channel.name}</span>{" "}
                    {channel.isEnabled ? null : <Badge tone="amber">Switched off</Badge>}
                    <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">
                      {CHANNEL_KIND_LABELS[channel.kind]} · {channel.targetHint}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </QuerySection>
      {missing.length > 0 ? (
        <Alert>
          {missing.length === 1 ? "One chosen channel no longer exists" : `${missing.length} chosen channels no longer exist`}.{" "}
          <button
            type="button"
            className="font-medium underline"
            onClick={() =>
              set(
                "messageChannelIds",
                values.messageChannelIds.filter((id) => known.has(id)),
              )
            }
          >
            Remove {missing.length === 1 ? "it" : "them"}
          </button>
        </Alert>
      ) : null}
      {error ? (
        <p className="text-sm text-red-700 dark:text-red-400" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
