"use client";

import { useQuery } from "@tanstack/react-query";
import { DELIVERY_STATUS_LABELS, type DeliveryStatusName } from "~/shared/channels";
import { NOTIFICATION_KIND_INFO, type NotificationKind } from "~/shared/notifications";
import { useTRPC } from "../trpc/react";
import { Badge, type BadgeTone } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { formatAbsolute, formatRelative } from "../ui/format";
import { Section } from "../ui/panel";
import { QuerySection } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";

const STATUS_TONES: Record<DeliveryStatusName, BadgeTone> = {
  pending: "neutral",
  sending: "sky",
  retrying: "amber",
  delivered: "green",
  dead: "red",
};

/** The team's latest notifications, and for each what its rules did: sent (with each delivery's state) or held for a digest. */
export function RecentNotifications({ now }: { now: number }) {
  const trpc = useTRPC();
  const recent = useQuery(trpc.notification.recent.queryOptions({ limit: 20 }, { retry: false, refetchInterval: 15_000 }));
  return (
    <Section title="Recent notifications" description="The latest events and where they went.">
      <QuerySection
        query={recent}
        what="The recent notifications"
        loading={<SkeletonGroup label="Loading notifications" count={2} className="space-y-2" itemClassName="h-12 rounded-lg" />}
        isEmpty={(list) => list.length === 0}
        empty={<EmptyState title="Nothing yet">Approvals, questions, holds and ends of runs show here as they happen.</EmptyState>}
      >
        {(list) => (
          <ul className="space-y-2" data-testid="recent-notifications">
            {list.map((n) => {
              const at = new Date(n.createdAt);
              return (
                <li key={n.id} className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
                  <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                    <Badge>{NOTIFICATION_KIND_INFO[n.kind as NotificationKind]?.label ?? n.kind}</Badge>
                    <span className="font-medium">{n.title}</span>
                    <time className="text-xs text-zinc-500" dateTime={at.toISOString()} title={formatAbsolute(at)}>
                      {formatRelative(at, Math.max(now, at.getTime()))}
                    </time>
                  </div>
                  {n.deliveries.length > 0 ? (
                    <ul className="mt-2 flex flex-wrap gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                      {n.deliveries.map((d, i) => (
                        <li key={i} className="flex items-center gap-1">
                          {d.rule}
                          {d.channel ? ` → ${d.channel}` : ""}:{" "}
                          {d.status ? (
                            <Badge tone={STATUS_TONES[d.status as DeliveryStatusName] ?? "neutral"}>
                              {DELIVERY_STATUS_LABELS[d.status as DeliveryStatusName] ?? d.status}
                            </Badge>
                          ) : (
                            <Badge>{d.mode === "digest" ? "In the next digest" : "Not sent (no channel)"}</Badge>
                          )}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <p className="mt-1 text-xs text-zinc-500">No rule sent it.</p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </QuerySection>
    </Section>
  );
}
