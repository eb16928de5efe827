import "server-only";
import type { ChannelAction, ChannelMessage } from "../../shared/channels";
import { NOTIFICATION_KIND_INFO, type NotificationKind } from "../../shared/notifications";
import { approvalActions } from "./approval-actions";
import { deepLink } from "../channels/deep-link";
import { formatMoney } from "../../shared/money";

/** A notification as the dispatcher reads it. */
export type StoredNotification = {
  id: string;
  teamId: string;
  kind: string;
  agentId: string | null;
  approvalId: string | null;
  title: string;
  text: string;
  url: string;
  data: unknown;
  createdAt: Date;
};

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const money = (value: unknown) => (typeof value === "string" && value !== "" ? formatMoney(value) : null);

/** The fields a person reads beside the text: agent, team, cycle, and spend against budget where it matters. */
export function notificationFields(n: StoredNotification, teamName: string): { label: string; value: string }[] {
  const data = asRecord(n.data);
  const fields = [
    { label: "Agent", value: typeof data.agentName === "string" ? data.agentName : "" },
    { label: "Team", value: teamName },
  ];
  if (typeof data.cycle === "number" && data.cycle > 0) fields.push({ label: "Cycle", value: String(data.cycle) });
  if (typeof data.toolName === "string") fields.push({ label: "Tool", value: data.toolName });
  const spent = money(data.spentUsd);
  if (spent && (n.kind.startsWith("budget_") || n.kind === "failed" || n.kind === "completed")) {
    const budget = money(data.budgetUsd);
    fields.push({ label: "Spent", value: budget ? `${spent} of ${budget}` : spent });
  }
  return fields.filter((f) => f.value !== "");
}

/** One notification as one message. */
export async function notificationMessage(n: StoredNotification, teamName: string): Promise<ChannelMessage> {
  const isApproval = (n.kind === "approval_requested" || n.kind === "question_asked") && n.approvalId;
  const actions: ChannelAction[] = isApproval
    ? await approvalActions({ teamId: n.teamId, approvalId: n.approvalId! })
    : [{ label: "Open in Longhaul", url: n.url }];
  return {
    title: n.title,
    text: n.text,
    url: n.url,
    fields: notificationFields(n, teamName),
    actions,
    data: {
      event: "notification",
      kind: n.kind,
      notificationId: n.id,
      teamId: n.teamId,
      agentId: n.agentId,
      approvalId: n.approvalId,
      createdAt: n.createdAt.toISOString(),
      ...asRecord(n.data),
    },
  };
}

const kindLabel = (kind: string) => NOTIFICATION_KIND_INFO[kind as NotificationKind]?.label ?? kind;

/** The digest of what a rule held back during its interval: one line and one link per notification. */
export function digestMessage(
  items: StoredNotification[],
  { teamId, teamName, ruleName }: { teamId: string; teamName: string; ruleName: string },
): ChannelMessage {
  const lines = items.map((n) => `• ${n.title} (${kindLabel(n.kind)}, ${n.createdAt.toISOString().slice(11, 16)} UTC): ${n.url}`);
  const url = deepLink(teamId, "/agents");
  return {
    title: `${items.length} more ${items.length === 1 ? "notification" : "notifications"} in ${teamName}`,
    text: `Held back by the rule "${ruleName}" during its quiet interval:\n${lines.join("\n")}`,
    url,
    fields: [
      { label: "Team", value: teamName },
      { label: "Events", value: String(items.length) },
    ],
    actions: [{ label: "Open in Longhaul", url }],
    data: {
      event: "notification_digest",
      teamId,
      notifications: items.map((n) => ({
        id: n.id,
        kind: n.kind,
        title: n.title,
        url: n.url,
        agentId: n.agentId,
        approvalId: n.approvalId,
      })),
    },
  };
}
