"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { useTRPC } from "../trpc/react";
import { useNotificationSetting } from "./browser-notifications";
import { KIND_LABELS } from "./approval-kind";

const POLL_MS = 20_000;

/**
 * The number of approvals waiting on the person across all their teams where they decide approvals
 * (member and up; a viewer's teams are not counted), next to the Approvals link, refreshed every 20 s.
 * With browser notifications on, each approval that appears after the page loaded shows one.
 */
export function PendingApprovalsCount() {
  const trpc = useTRPC();
  const pending = useQuery(trpc.approvalLink.pendingCount.queryOptions(undefined, { refetchInterval: POLL_MS, retry: false }));
  const router = useRouter();
  const notifications = useNotificationSetting();
  const seen = useRef<Set<string> | null>(null);
  const latest = pending.data?.latest;

  useEffect(() => {
    if (!latest) return;
    const isFirst = seen.current === null;
    const known = (seen.current ??= new Set());
    const fresh = latest.filter((a) => !known.has(a.id));
    for (const a of fresh) known.add(a.id);
    if (isFirst || !notifications.isOn) return;
    for (const approval of fresh.slice(0, 3)) {
      const what = approval.kind === "tool" && approval.toolName ? `${approval.toolName} waits for approval` : KIND_LABELS[approval.kind];
      const shown = new Notification(`${approval.agentName}: ${what}`, {
        body: `${approval.agentName} in ${approval.teamName}`,
        tag: `approval-${approval.id}`,
      });
      shown.onclick = () => {
        window.focus();
        // The inbox lists every team of the person's: no need to switch teams first.
        router.push(`/approvals#approval-${approval.id}`);
      };
    }
  }, [latest, notifications.isOn, router]);

  const total = pending.data?.total ?? 0;
  if (total === 0) return null;
  const breakdown = pending.data!.teams.map((t) => `${t.teamName} ${t.count}`).join(", ");
  return (
    <span
      className="bg-brand-600 ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full px-1.5 text-xs font-semibold text-white tabular-nums"
      title={`${total} waiting for you: ${breakdown}`}
      data-testid="nav-pending-count"
    >
      {total > 99 ? "99+" : total}
      <span className="sr-only"> waiting for you</span>
    </span>
  );
}
