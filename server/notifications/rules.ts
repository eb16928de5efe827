import "server-only";
import type { z } from "zod";
import {
  myNotificationRuleInputSchema,
  NOTIFICATION_KINDS,
  NOTIFICATION_MAX_RULES,
  type NotificationKind,
  notificationRuleInputSchema,
  type MyNotificationRuleInput,
  type NotificationRuleInput,
} from "../../shared/notifications";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { db, Prisma } from "../db/client";
import { AppError, notFound } from "../errors";

/**
 * A team's notification rules (admins, "channel:manage") and each person's own e-mail rule (anyone in
 * the team, for themselves only). docs/decisions/037.
 */
const listed = {
  id: true,
  name: true,
  kinds: true,
  channelIds: true,
  minIntervalSeconds: true,
  isEnabled: true,
  lastSentAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.NotificationRuleSelect;

type RuleRow = Prisma.NotificationRuleGetPayload<{ select: typeof listed }>;
export type NotificationRuleView = Omit<RuleRow, "kinds"> & { kinds: NotificationKind[] };

/** The row with its kinds as the vocabulary's (a kind a later version dropped is left out). */
const toView = (rule: RuleRow): NotificationRuleView => ({
  ...rule,
  kinds: rule.kinds.filter((k): k is NotificationKind => (NOTIFICATION_KINDS as readonly string[]).includes(k)),
});

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  return parsed.data;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/** The team's rules (not people's own), oldest first. */
export async function listNotificationRules({ teamId }: { teamId: string }): Promise<NotificationRuleView[]> {
  const found = await db.notificationRule.findMany({ where: { teamId, userId: null }, orderBy: { createdAt: "asc" }, select: listed });
  return found.map(toView);
}

/** Every channel id must be one of the team's. */
async function checkChannels(teamId: string, channelIds: string[]) {
  const found = await db.channel.findMany({ where: { teamId, id: { in: channelIds } }, select: { id: true } });
  if (found.length !== channelIds.length) {
    // The same answer for a deleted channel and another team's: ids reveal nothing.
    throw new AppError("NOT_FOUND", "One of the chosen channels was not found, or you do not have access to it.", {
      fieldErrors: { channelIds: ["One of these channels was not found (was it deleted?). Pick again."] },
    });
  }
}

const nameTaken = () =>
  new AppError("CONFLICT", "This team already has a rule with that name.", { fieldErrors: { name: ["That name is taken."] } });

export async function createNotificationRule({ teamId, userId, input }: { teamId: string; userId: string; input: NotificationRuleInput }) {
  const data = parseInput(notificationRuleInputSchema, input);
  await checkChannels(teamId, data.channelIds);
  return db.$transaction(async (tx) => {
    const count = await tx.notificationRule.count({ where: { teamId, userId: null } });
    if (count >= NOTIFICATION_MAX_RULES) throw new AppError("BAD_REQUEST", `A team can have at most ${NOTIFICATION_MAX_RULES} rules.`);
    if (await tx.notificationRule.findFirst({ where: { teamId, userId: null, name: data.name }, select: { id: true } })) throw nameTaken();
    const rule = await tx.notificationRule.create({ data: { ...data, teamId, createdById: userId }, select: listed });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "notification.rule_create",
      targetId: rule.id,
      metadata: { name: rule.name, kinds: rule.kinds, channelIds: rule.channelIds, minIntervalSeconds: rule.minIntervalSeconds },
    });
    return toView(rule);
  });
}

export async function updateNotificationRule({
  teamId,
  userId,
  ruleId,
  input,
}: {
  teamId: string;
  userId: string;
  ruleId: string;
  input: NotificationRuleInput;
}) {
  const data = parseInput(notificationRuleInputSchema, input);
  const existing = await db.notificationRule.findFirst({ where: { id: ruleId, teamId, userId: null }, select: { id: true } });
  if (!existing) throw notFound("That rule");
  await checkChannels(teamId, data.channelIds);
  return db.$transaction(async (tx) => {
    const clash = await tx.notificationRule.findFirst({
      where: { teamId, userId: null, name: data.name, id: { not: ruleId } },
      select: { id: true },
    });
    if (clash) throw nameTaken();
    const rule = await tx.notificationRule.update({ where: { id: ruleId }, data, select: listed });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "notification.rule_update",
      targetId: ruleId,
      metadata: {
        name: rule.name,
        kinds: rule.kinds,
        channelIds: rule.channelIds,
        minIntervalSeconds: rule.minIntervalSeconds,
        isEnabled: rule.isEnabled,
      },
    });
    return toView(rule);
  });
}

export async function deleteNotificationRule({ teamId, userId, ruleId }: { teamId: string; userId: string; ruleId: string }) {
  return db.$transaction(async (tx) => {
    const rule = await tx.notificationRule.findFirst({ where: { id: ruleId, teamId, userId: null }, select: { id: true, name: true } });
    if (!rule) throw notFound("That rule");
    await tx.notificationRule.delete({ where: { id: ruleId } });
    await recordAudit(tx, { teamId, actorId: userId, action: "notification.rule_delete", targetId: ruleId, metadata: { name: rule.name } });
    return { id: ruleId };
  });
}

/** The person's own rule in this team (null: none yet), and whether the team has an e-mail channel to send it through. */
export async function myNotificationRule({ teamId, userId }: { teamId: string; userId: string }) {
  const [rule, emailChannel, user] = await Promise.all([
    db.notificationRule.findFirst({ where: { teamId, userId }, select: listed }),
    teamEmailChannel(teamId),
    db.user.findUnique({ where: { id: userId }, select: { email: true } }),
  ]);
  return { rule: rule ? toView(rule) : null, hasEmailChannel: emailChannel !== null, email: user?.email ?? "" };
}

/** Sets the person's own rule (for themselves only: the user id is the session's). No kinds and disabled alike send nothing. */
export async function setMyNotificationRule({ teamId, userId, input }: { teamId: string; userId: string; input: MyNotificationRuleInput }) {
  const data = parseInput(myNotificationRuleInputSchema, input);
  try {
    const rule = await db.notificationRule.upsert({
      where: { teamId_userId: { teamId, userId } },
      create: { ...data, teamId, userId, name: "My e-mail", channelIds: [], createdById: userId },
      update: data,
      select: listed,
    });
    return toView(rule);
  } catch (error) {
    // Two saves at once: the second finds the first's row.
    if (!isUniqueViolation(error)) throw error;
    return toView(await db.notificationRule.update({ where: { teamId_userId: { teamId, userId } }, data, select: listed }));
  }
}

/** The team's enabled e-mail channel people's own rules send through (the oldest, when there are several). */
export async function teamEmailChannel(teamId: string) {
  return db.channel.findFirst({
    where: { teamId, kind: "email", isEnabled: true },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true },
  });
}

/** The team's channels a rule can pick (until the channel router's `channel.list` is merged). */
