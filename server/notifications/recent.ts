import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { col, jsonArray } from "../db/columns";
import { rows, sqlRow } from "../db/rows";

/**
 * The team's latest notifications with what each rule did with them: sent at once or held for a digest,
 * and the state of each delivery that carried them (message ids are `<base>:<channel id>`, the base kept
 * on the notification_pending row).
 */
export type NotificationDeliveryState = { rule: string; mode: string; channel: string | null; status: string | null };

const recentRow = sqlRow("listing a team's recent notifications", {
  id: col.uuid,
  kind: col.text,
  title: col.text,
  url: col.text,
  agentId: col.uuid.nullable(),
  createdAt: col.timestamp,
  dispatchedAt: col.timestamp.nullable(),
  deliveries: jsonArray<NotificationDeliveryState>(),
});

export const recentInputSchema = z.object({ limit: z.number().int().min(1).max(100).default(30) }).default({ limit: 30 });

export async function recentNotifications({ teamId, limit = 30 }: { teamId: string; limit?: number }) {
  return rows(
    db,
    recentRow,
    Prisma.sql`
    SELECT n.id::text, n.kind, n.title, n.url, n."agentId"::text AS "agentId", n."createdAt", n."dispatchedAt",
           COALESCE((
             SELECT jsonb_agg(jsonb_build_object('rule', CASE WHEN r."userId" IS NULL THEN r.name ELSE 'E-mail to ' || u.email END,
                                                 'mode', p.mode, 'channel', c.name, 'status', d.status::text)
                              ORDER BY p."createdAt")
               FROM notification_pending p
               JOIN notification_rule r ON r.id = p."ruleId"
               LEFT JOIN "user" u ON u.id = r."userId"
               LEFT JOIN channel_delivery d ON d."teamId" = n."teamId" AND p."sentInMessageId" IS NOT NULL
                    AND d."createdAt" >= p."createdAt" AND d."messageId" LIKE p."sentInMessageId" || ':%'
               LEFT JOIN channel c ON c.id = d."channelId"
              WHERE p."notificationId" = n.id), '[]'::jsonb) AS deliveries
      FROM notification n
     WHERE n."teamId" = ${teamId}
     ORDER BY n."createdAt" DESC
     LIMIT ${limit}`,
  );
}
