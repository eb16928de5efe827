import "server-only";
import { inngest } from "~/inngest/client";
import { notificationCreated } from "~/inngest/events";
import type { NotificationKind } from "../../shared/notifications";
import { afterCommit } from "../db/agent-lock";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { maybeRow, sqlRow } from "../db/rows";
import { deepLink } from "../channels/deep-link";
import { logger } from "../logger";

/**
 * Raising a notification (issue 21, decision 037): ONE statement, written in the transaction that makes
 * the change when there is one (so a rolled-back change raises nothing), and then, after commit, the
 * `notification/created` event that makes `notification-dispatch` send it. The statement reads the
 * agent's name and spend for the title and fields and whether any enabled rule of the team could want
 * it: without one, the row is written already dispatched and no event is sent (the loop pays one INSERT).
 */
export type NotificationDetails = {
  /** What the title names after the agent's name: "http_request POST api.example.com", "webhook". */
  subject?: string;
  /** One or two sentences a person understands. */
  text: string;
  /** The dashboard path the link opens (default: the agent's page). */
  path?: string;
  /** Facts for fields and webhook receivers. */
  data?: Record<string, unknown>;
};

export type NotifyInput = {
  teamId: string;
  kind: NotificationKind;
  agentId: string;
  approvalId?: string | null;
  details: NotificationDetails;
};

/** What follows the agent's name in the title. */
export function titleAfterName(kind: NotificationKind, subject?: string): string {
  const about = subject ? `: ${subject.slice(0, 160)}` : "";
  switch (kind) {
    case "approval_requested":
      return ` asks for approval${about}`;
    case "question_asked":
      return ` asks a question${about}`;
    case "budget_soft_limit":
      return " reached its soft budget limit";
    case "budget_exhausted":
      return " ran out of budget";
    case "stuck":
      return ` is stuck${about}`;
    case "failed":
      return " failed";
    case "completed":
      return " finished its goal";
    case "watchdog_gave_up":
      return " kept crashing; the watchdog stopped restarting it";
    case "woken":
      return ` was woken${subject ? ` by a ${subject}` : ""}`;
  }
}

const raisedRow = sqlRow("raising a notification", { id: col.uuid, hasRules: col.bool });

/** Writes the notification row; returns its id and whether it needs dispatching, or null when the agent is not the team's. */
export async function insertNotification(input: NotifyInput, client: Prisma.TransactionClient | typeof db = db) {
  const { teamId, kind, agentId, approvalId, details } = input;
  const url = deepLink(teamId, details.path ?? `/agents/${agentId}`);
  return maybeRow(
    client,
    raisedRow,
    Prisma.sql`
    WITH wanted AS (
      SELECT EXISTS (SELECT 1 FROM notification_rule r
                      WHERE r."teamId" = ${teamId} AND r."isEnabled" AND ${kind} = ANY(r.kinds)) AS yes
    )
    INSERT INTO notification (id, "teamId", kind, "agentId", "approvalId", title, text, url, data, "createdAt", "dispatchedAt")
    SELECT gen_random_uuid(), a."teamId", ${kind}, a.id, ${approvalId ?? null}::uuid,
           a.name || ${titleAfterName(kind, details.subject)}, ${details.text.slice(0, 4000)}, ${url},
           jsonb_build_object('agentName', a.name, 'cycle', a."cycleCount", 'spentUsd', a."spentUsd"::text,
                              'budgetUsd', a."budgetUsd"::text, 'tokensUsed', a."tokensUsed"::text,
                              'budgetTokens', a."budgetTokens"::text) || ${JSON.stringify(details.data ?? {})}::jsonb,
           now() AT TIME ZONE 'UTC',
           CASE WHEN wanted.yes THEN NULL ELSE now() AT TIME ZONE 'UTC' END
      FROM agent a, wanted
     WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}
    RETURNING id::text AS id, "dispatchedAt" IS NULL AS "hasRules"`,
  );
}

/** Sends the events that dispatch these notifications; a failure is logged, and the sweeper dispatches them later. */
export async function announceNotifications(raised: { teamId: string; notificationId: string }[]) {
  if (raised.length === 0) return;
  try {
    await inngest.send(raised.map((r) => ({ id: `notification-${r.notificationId}`, name: notificationCreated.name, data: r })));
  } catch (error) {
    logger.warn(
      { err: error, notifications: raised.map((r) => r.notificationId) },
      "notification event not sent; the sweeper will dispatch it",
    );
  }
}

/**
 * Raises a notification. Outside a transaction it is written and announced at once. Inside one (`tx`) it
 * is written there, and announced once that transaction commits when it is an `underAgentLock` one; in
 * another transaction use `notificationsAfterCommit()` (or leave it to the sweeper, a minute later).
 */
export async function notify(input: NotifyInput, tx?: Prisma.TransactionClient): Promise<string | null> {
  const raised = await insertNotification(input, tx ?? db);
  if (!raised) return null;
  if (raised.hasRules) {
    const announce = () => announceNotifications([{ teamId: input.teamId, notificationId: raised.id }]);
    if (!tx) await announce();
    else afterCommit(tx, announce);
  }
  return raised.id;
}

/**
 * For a hook inside a transaction: `const raised = notificationsAfterCommit()`, `await raised.notify(input, tx)`
 * inside it, `await raised.announce()` after it committed. A rolled-back transaction leaves ids whose rows do
 * not exist; their events find nothing to send.
 */
export function notificationsAfterCommit() {
  const pending: { teamId: string; notificationId: string }[] = [];
  return {
    notify: async (input: NotifyInput, tx: Prisma.TransactionClient) => {
      const raised = await insertNotification(input, tx);
      if (raised?.hasRules) pending.push({ teamId: input.teamId, notificationId: raised.id });
      return raised?.id ?? null;
    },
    announce: async () => {
      await announceNotifications(pending.splice(0));
    },
  };
}

/** A tool call in a few words for a title: "http_request POST api.example.com", "send_email {"to":"a@b.c"…}". */
export function describeToolCall(toolName: string, args: unknown): string {
  const input = args && typeof args === "object" ? (args as Record<string, unknown>) : {};
  if (typeof input.url === "string") {
    let host = input.url;
    try {
      host = new URL(input.url).host;
    } catch {
      // Not a URL: shown as given.
    }
    const method = typeof input.method === "string" ? `${input.method.toUpperCase()} ` : "";
    return `${toolName} ${method}${host}`.slice(0, 160);
  }
  // A message's subject, a question or a title says more than the arguments' JSON.
  for (const key of ["subject", "title", "question", "name"]) {
    const value = input[key];
    if (typeof value === "string" && value.trim()) return `${toolName} "${value.trim().slice(0, 120)}"`;
  }
  const text = JSON.stringify(input);
  if (!text || text === "{}") return toolName;
  return `${toolName} ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
}
