import "server-only";
import type { ChannelMessage } from "../../shared/channels";
import { enqueueDelivery } from "../channels/deliveries";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { maybeRow, rows, sqlRow } from "../db/rows";
import { logger } from "../logger";
import { digestMessage, notificationMessage, type StoredNotification } from "./messages";
import { announceNotifications } from "./notify";
import { teamEmailChannel } from "./rules";

/**
 * Dispatching a notification (decision 037). For each enabled rule of the team that wants its kind:
 * - the rule sent nothing within its minimum interval: the message is queued now, on each of its channels
 *   (a person's rule: the team's e-mail channel, to their address);
 * - otherwise it is parked for the rule's digest, and the dispatcher that sets the rule's `digestDueAt`
 *   owns that digest: it sleeps until then and sends ONE message listing what was parked.
 * Every step is safe to repeat: a `notification_pending` row per (rule, notification) says what was done,
 * message ids are fixed by notification, rule and channel (or digest, rule and channel), and queuing is
 * at most once per (channel, message id). Parked rows are claimed by one UPDATE, so two digests never
 * list the same row.
 */
type Rule = { id: string; teamId: string; userId: string | null; name: string; channelIds: string[]; minIntervalSeconds: number };

export type DigestDue = { ruleId: string; dueAt: string };

const notificationSelect = {
  id: true,
  teamId: true,
  kind: true,
  agentId: true,
  approvalId: true,
  title: true,
  text: true,
  url: true,
  data: true,
  createdAt: true,
} as const;

const immediateBase = (notificationId: string, ruleId: string) => `notification:${notificationId}:${ruleId}`;
const digestBase = (ruleId: string, dueAt: Date) => `digest:${ruleId}:${dueAt.getTime()}`;

export async function dispatchNotification({ teamId, notificationId }: { teamId: string; notificationId: string }) {
  const n = await db.notification.findFirst({ where: { id: notificationId, teamId }, select: notificationSelect });
  if (!n) return { found: false, queued: 0, parked: 0, digests: [] as DigestDue[] };
  const rules = await db.notificationRule.findMany({
    where: { teamId, isEnabled: true, kinds: { has: n.kind } },
    orderBy: { createdAt: "asc" },
    select: { id: true, teamId: true, userId: true, name: true, channelIds: true, minIntervalSeconds: true },
  });
  const team = await db.team.findUniqueOrThrow({ where: { id: teamId }, select: { name: true } });
  let queued = 0;
  let parked = 0;
  const digests: DigestDue[] = [];
  for (const rule of rules) {
    const placed = await placeForRule(n, rule);
    if (placed.mode === "immediate") {
      queued += await queueForRule(rule, placed.base, await notificationMessage(n, team.name));
    } else {
      parked += 1;
      const due = await takeDigest(rule);
      if (due) digests.push({ ruleId: rule.id, dueAt: due.toISOString() });
    }
  }
  await db.notification.updateMany({ where: { id: n.id, dispatchedAt: null }, data: { dispatchedAt: new Date() } });
  return { found: true, queued, parked, digests };
}

const slotRow = sqlRow("taking a rule's send slot", { id: col.uuid });

/** What the rule does with this notification: found from an earlier attempt, or decided now (send at once, or park). */
async function placeForRule(n: StoredNotification, rule: Rule): Promise<{ mode: "immediate" | "digest"; base: string | null }> {
  return db.$transaction(async (tx) => {
    const done = await tx.notificationPending.findUnique({
      where: { ruleId_notificationId: { ruleId: rule.id, notificationId: n.id } },
      select: { mode: true, sentInMessageId: true },
    });
    if (done) return { mode: done.mode === "immediate" ? "immediate" : "digest", base: done.sentInMessageId };
    // The slot: nothing sent within the interval and no digest waiting. An interval of 0 always sends.
    const slot =
      rule.minIntervalSeconds === 0 ||
      (await maybeRow(
        tx,
        slotRow,
        Prisma.sql`
        UPDATE notification_rule SET "lastSentAt" = now() AT TIME ZONE 'UTC'
         WHERE id = ${rule.id}::uuid AND "digestDueAt" IS NULL
           AND ("lastSentAt" IS NULL OR "lastSentAt" <= (now() AT TIME ZONE 'UTC') - make_interval(secs => "minIntervalSeconds"))
        RETURNING id::text AS id`,
      )) !== null;
    const base = slot ? immediateBase(n.id, rule.id) : null;
    await tx.notificationPending.create({
      data: { teamId: n.teamId, ruleId: rule.id, notificationId: n.id, mode: slot ? "immediate" : "digest", sentInMessageId: base },
    });
    return { mode: slot ? "immediate" : "digest", base };
  });
}

const dueRow = sqlRow("owning a rule's next digest", { dueAt: col.timestamp });

/**
 * After a parked row has committed: the one caller that sets the rule's `digestDueAt` (the end of its
 * interval) owns the digest. Null: another dispatcher owns it (and its claim will find this row, or it
 * cleared the due time first, and then this UPDATE sets a new one).
 */
async function takeDigest(rule: Rule): Promise<Date | null> {
  const owned = await maybeRow(
    db,
    dueRow,
    Prisma.sql`
    UPDATE notification_rule
       SET "digestDueAt" = COALESCE("lastSentAt", now() AT TIME ZONE 'UTC') + make_interval(secs => "minIntervalSeconds")
     WHERE id = ${rule.id}::uuid AND "digestDueAt" IS NULL
    RETURNING "digestDueAt" AS "dueAt"`,
  );
  return owned?.dueAt ?? null;
}

/** Where a rule's messages go: its channels, or a person's address through the team's e-mail channel. */
async function targetsOf(rule: Rule): Promise<{ channelIds: string[]; to?: string }> {
  if (!rule.userId) return { channelIds: rule.channelIds };
  const [channel, member] = await Promise.all([
    teamEmailChannel(rule.teamId),
    db.member.findFirst({ where: { teamId: rule.teamId, userId: rule.userId }, select: { user: { select: { email: true } } } }),
  ]);
  if (!member) {
    logger.info({ ruleId: rule.id, teamId: rule.teamId }, "notification not e-mailed: the person is no longer in the team");
    return { channelIds: [] };
  }
  if (!channel) {
    logger.info({ ruleId: rule.id, teamId: rule.teamId }, "notification not e-mailed: the team has no enabled e-mail channel");
    return { channelIds: [] };
  }
  return { channelIds: [channel.id], to: member.user.email };
}

/** Queues the message on each of the rule's targets with message ids fixed by `base` and the channel. */
async function queueForRule(rule: Rule, base: string | null, message: ChannelMessage): Promise<number> {
  if (!base) return 0;
  const { channelIds, to } = await targetsOf(rule);
  let queued = 0;
  for (const channelId of channelIds) {
    const result = await enqueueDelivery({
      teamId: rule.teamId,
      channelId,
      messageId: `${base}:${channelId}`,
      source: "notification",
      agentId: typeof message.data?.agentId === "string" ? message.data.agentId : null,
      message: to ? { ...message, to } : message,
    });
    if (result?.isNew) queued += 1;
  }
  return queued;
}

const claimedRow = sqlRow("claiming a rule's parked notifications", { notificationId: col.uuid });

/**
 * The digest a dispatcher owns, at `dueAt`: clears the due time and claims every parked row of the rule in
 * one transaction (the rule's row lock orders it with a dispatcher parking at the same moment), then queues
 * one message listing them. Repeated (a retried step), it claims nothing new and queues the same message
 * again under the same ids, which queues nothing twice.
 */
export async function sendDigest({ ruleId, dueAt }: DigestDue) {
  const due = new Date(dueAt);
  const base = digestBase(ruleId, due);
  await db.$transaction(async (tx) => {
    const cleared = await tx.notificationRule.updateMany({ where: { id: ruleId, digestDueAt: due }, data: { digestDueAt: null } });
    if (cleared.count === 0) return;
    const claimed = await rows(
      tx,
      claimedRow,
      Prisma.sql`
      UPDATE notification_pending SET "sentInMessageId" = ${base}
       WHERE "ruleId" = ${ruleId}::uuid AND mode = 'digest' AND "sentInMessageId" IS NULL
      RETURNING "notificationId"::text AS "notificationId"`,
    );
    if (claimed.length > 0) await tx.notificationRule.updateMany({ where: { id: ruleId }, data: { lastSentAt: new Date() } });
  });
  const rule = await db.notificationRule.findUnique({
    where: { id: ruleId },
    select: {
      id: true,
      teamId: true,
      userId: true,
      name: true,
      channelIds: true,
      minIntervalSeconds: true,
      team: { select: { name: true } },
    },
  });
  if (!rule) return { sent: 0, queued: 0 };
  const items = await db.notification.findMany({
    where: { teamId: rule.teamId, pending: { some: { ruleId, sentInMessageId: base } } },
    orderBy: { createdAt: "asc" },
    select: notificationSelect,
  });
  if (items.length === 0) return { sent: 0, queued: 0 };
  const message = digestMessage(items, { teamId: rule.teamId, teamName: rule.team.name, ruleName: rule.userId ? "My e-mail" : rule.name });
  const queued = await queueForRule(rule, base, message);
  return { sent: items.length, queued };
}

const lostRow = sqlRow("finding undispatched notifications", { teamId: col.text, notificationId: col.uuid });
const overdueRow = sqlRow("finding overdue digests", { ruleId: col.uuid, dueAt: col.timestamp });

/**
 * The sweeper (every watchdog pass): notifications older than `olderThanSeconds` never dispatched (their
 * event was lost, or they were raised in a transaction whose caller did not announce them) are announced
 * again; digests whose owner died (due more than that long ago and still set) are sent here.
 */
export async function sweepNotifications({ olderThanSeconds = 60, limit = 200 }: { olderThanSeconds?: number; limit?: number } = {}) {
  const lost = await rows(
    db,
    lostRow,
    Prisma.sql`
    SELECT "teamId", id::text AS "notificationId" FROM notification
     WHERE "dispatchedAt" IS NULL AND "createdAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${olderThanSeconds})
     ORDER BY "createdAt" LIMIT ${limit}`,
  );
  // Dispatched here rather than announced: the event id of the first announcement may be taken already.
  let dispatched = 0;
  const digests: DigestDue[] = [];
  for (const item of lost) {
    const result = await dispatchNotification(item);
    if (result.found) dispatched += 1;
    digests.push(...result.digests);
  }
  const overdue = await rows(
    db,
    overdueRow,
    Prisma.sql`
    SELECT id::text AS "ruleId", "digestDueAt" AS "dueAt" FROM notification_rule
     WHERE "digestDueAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => ${olderThanSeconds})
     LIMIT ${limit}`,
  );
  let digestsSent = 0;
  for (const d of overdue) {
    const result = await sendDigest({ ruleId: d.ruleId, dueAt: d.dueAt.toISOString() });
    if (result.sent > 0) digestsSent += 1;
  }
  if (lost.length > 0 || digestsSent > 0) logger.warn({ dispatched, digestsSent }, "notification sweeper dispatched what was left behind");
  return { dispatched, digestsSent, digestsOwned: digests };
}

export { announceNotifications };
