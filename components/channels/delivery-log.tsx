"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { parseAsStringLiteral, useQueryState } from "nuqs";
import { DELIVERY_STATUS_LABELS, DELIVERY_STATUSES, type DeliveryStatusName } from "~/shared/channels";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { CompactSelect } from "../ui/field";
import { formatAbsolute, formatRelative } from "../ui/format";
import { EmptyState } from "../ui/empty-state";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";
import { useNow } from "../ui/use-now";

const TONES: Record<DeliveryStatusName, BadgeTone> = {
  pending: "neutral",
  sending: "sky",
  retrying: "amber",
  delivered: "green",
  dead: "red",
};

const SOURCES: Record<string, string> = {
  agent_message: "Agent message",
  notification: "Notification",
  test: "Test",
  invitation: "Invitation",
};

/**
 * The team's delivery log (issue 21): every message to every channel, newest first, with its status,
 * its attempts (answer, time, error), what was sent (approval-link tokens taken out) and, for a dead
 * one, Send again for those who manage channels. Refreshes while something is still on its way.
 */
export function DeliveryLog({ canManage, channelId }: { canManage: boolean; channelId?: string }) {
  const trpc = useTRPC();
  const now = useNow(15_000);
  // In the URL (?delivery=dead): a reload or a copied link shows the same deliveries.
  const [statusParam, setStatusParam] = useQueryState("delivery", parseAsStringLiteral(DELIVERY_STATUSES).withOptions({ history: "push" }));
  const status: DeliveryStatusName | "" = statusParam ?? "";
  const input = { ...(channelId ? { channelId } : {}), ...(status ? { status } : {}), limit: 20 };
  const list = useInfiniteQuery(
    trpc.delivery.list.infiniteQueryOptions(input, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      refetchInterval: (query) =>
        query.state.data?.pages.some((page) => page.items.some((item) => item.status !== "delivered" && item.status !== "dead"))
          ? 3000
          : 30_000,
    }),
  );

  return (
    <Panel
      title="Delivery log"
      description="Every message sent to a channel: agents' messages, notifications, tests and invitations. Each is sent at most once per channel; the receiver gets the same Idempotency-Key on every attempt."
      aside={
        <label className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
          Status
          <CompactSelect
            value={status}
            onChange={(event) => void setStatusParam((event.target.value as DeliveryStatusName) || null)}
            aria-label="Filter by status"
          >
            <option value="">All</option>
            {DELIVERY_STATUSES.map((value) => (
              <option key={value} value={value}>
                {DELIVERY_STATUS_LABELS[value]}
              </option>
            ))}
          </CompactSelect>
        </label>
      }
      data-testid="delivery-log"
    >
      <RefreshError query={list} />
      <QuerySection
        query={list}
        what="The delivery log"
        loading={<SkeletonGroup label="Loading deliveries" count={3} className="space-y-2" itemClassName="h-14 rounded-lg" />}
        isEmpty={(data) => data.pages[0]!.items.length === 0}
        empty={
          <EmptyState title={status ? "Nothing with this status" : "Nothing sent yet"}>
            Messages appear here as soon as they are queued.
          </EmptyState>
        }
      >
        {(data) => (
          <div className="space-y-3">
            <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Deliveries">
              {data.pages
                .flatMap((page) => page.items)
                .map((item) => (
                  <DeliveryRow key={item.id} item={item} canManage={canManage} now={now} />
                ))}
            </ul>
            {list.hasNextPage ? (
              <Button type="button" variant="secondary" isLoading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                Show older
              </Button>
            ) : null}
          </div>
        )}
      </QuerySection>
    </Panel>
  );
}

type Item = {
  id: string;
  status: DeliveryStatusName;
  source: string;
  attempts: number;
  maxAttempts: number;
  maybeDelivered: boolean;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  channel: { id: string; name: string; kind: string };
  agent: { id: string; name: string } | null;
  message: { title: string; text: string };
  attemptLog: {
    at: string;
    attempt: number;
    outcome: string;
    durationMs?: number;
    statusCode?: number;
    retryAfterMs?: number;
    error?: string;
  }[];
};

function DeliveryRow({ item, canManage, now }: { item: Item; canManage: boolean; now: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const resend = useMutation(
    trpc.delivery.resend.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.delivery.list.pathKey() }) }),
  );
  return (
    <li className="py-3" data-testid="delivery">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 space-y-1">
          <p className="flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={TONES[item.status]}>{DELIVERY_STATUS_LABELS[item.status]}</Badge>
            {item.maybeDelivered ? (
              <Badge tone="orange">
                <span title="An attempt's result was never recorded (Longhaul stopped while sending): the receiver may have it twice; it got the same Idempotency-Key.">
                  Maybe a repeat
                </span>
              </Badge>
            ) : null}
            <span className="truncate font-medium text-zinc-900 dark:text-zinc-100">{item.message.title}</span>
          </p>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            {SOURCES[item.source] ?? item.source} to <span className="font-medium">{item.channel.name}</span>
            {item.agent ? <> · from {item.agent.name}</> : null} ·{" "}
            <time title={formatAbsolute(item.createdAt)}>{formatRelative(item.createdAt, now)}</time> · attempt {item.attempts} of{" "}
            {item.maxAttempts}
            {item.lastStatusCode !== null ? <> · HTTP {item.lastStatusCode}</> : null}
            {item.status === "retrying" && item.nextAttemptAt ? <> · next {formatRelative(item.nextAttemptAt, now)}</> : null}
          </p>
          {item.lastError && item.status !== "delivered" ? (
            <p className="text-xs text-red-700 dark:text-red-400">{item.lastError}</p>
          ) : null}
        </div>
        {canManage && item.status === "dead" ? (
          <Button type="button" variant="secondary" isLoading={resend.isPending} onClick={() => resend.mutate({ id: item.id })}>
            Send again
          </Button>
        ) : null}
      </div>
      {resend.error ? <Alert className="mt-2">{resend.error.message}</Alert> : null}
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Attempts and what was sent</summary>
        <ol className="mt-2 space-y-1" aria-label="Attempts">
          {item.attemptLog.map((entry, index) => (
            <li key={index} className="font-mono text-zinc-700 dark:text-zinc-300">
              {formatAbsolute(new Date(entry.at))} · #{entry.attempt} {entry.outcome}
              {entry.statusCode !== undefined ? ` · HTTP ${entry.statusCode}` : ""}
              {entry.durationMs !== undefined ? ` · ${entry.durationMs} ms` : ""}
              {entry.retryAfterMs !== undefined ? ` · Retry-After ${Math.round(entry.retryAfterMs / 1000)} s` : ""}
              {entry.error ? ` · ${entry.error}` : ""}
            </li>
          ))}
        </ol>
        <pre className="mt-2 max-h-64 overflow-auto rounded-md bg-zinc-50 p-2 whitespace-pre-wrap text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200">
          {JSON.stringify(item.message, null, 2)}
        </pre>
      </details>
    </li>
  );
}
