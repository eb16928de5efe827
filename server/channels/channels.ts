import "server-only";
import type { EmailSettings } from "./email";
import type { ZodError } from "zod";
import {
  channelInputSchema,
  channelLastTestSchema,
  channelUpdateIssues,
  channelUpdateSchema,
  type ChannelInput,
  type ChannelUpdate,
} from "../../shared/channel-settings";
import { CHANNEL_KINDS, type ChannelSecrets } from "../../shared/channels";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit, type AuditAction } from "../audit/record";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { rows, sqlRow } from "../db/rows";
import { logger } from "../logger";
import { AppError, notFound } from "../errors";
import { decryptSecret, encryptSecret, fingerprint } from "../secrets/crypto";
import { newSecretToken } from "../secrets/tokens";
import { findRefusalForUrl, PRIVATE_HOSTS_SETTING } from "../security/outbound";
import type { ChannelForSending } from "./types";

/**
 * A team's channels (issue 21): where messages and alerts leave the dashboard. The settings a person
 * may read (kind, name, rate, the SMTP host and recipients) are columns and `settings`; everything that
 * lets someone post (chat webhook URLs, the outgoing webhook's signing secret, the Slack app secret, the
 * SMTP password) is one encrypted JSON (`ChannelSecrets`, team id as associated data), never returned:
 * answers show `targetHint` and which secrets are set. Admins manage them ("channel:manage").
 */
const publicFields = {
  id: true,
  name: true,
  kind: true,
  settings: true,
  secretsCiphertext: true,
  targetHint: true,
  ratePerMinute: true,
  isEnabled: true,
  lastTest: true,
  createdAt: true,
  updatedAt: true,
} as const;
type Row = Prisma.ChannelGetPayload<{ select: typeof publicFields }>;

const SIGNING_SECRET_PREFIX = "lhsig_";

function openSecrets(teamId: string, ciphertext: string): ChannelSecrets {
  return ciphertext ? (JSON.parse(decryptSecret(ciphertext, teamId)) as ChannelSecrets) : {};
}

/**
 * The secrets as lists and edits read them: ones that cannot be opened (written under another key, or
 * damaged) read as none set, so the channel still lists and entering its URL or password again repairs it.
 */
function readSecrets(teamId: string, ciphertext: string): ChannelSecrets {
  try {
    return openSecrets(teamId, ciphertext);
  } catch (error) {
    logger.warn({ err: error, teamId }, "a channel's stored secrets could not be read; it shows as having none");
    return {};
  }
}

function sealSecrets(teamId: string, secrets: ChannelSecrets): string {
  const present = Object.fromEntries(Object.entries(secrets).filter(([, value]) => typeof value === "string" && value !== ""));
  return encryptSecret(JSON.stringify(present), teamId);
}

/** "hooks.slack.com …x1f9": the host and the URL's last four characters, enough to tell two channels apart. */
export function urlHint(url: string): string {
  try {
    const parsed = new URL(url);
    const tail = url.replace(/\/+$/, "").slice(-4);
    return `${parsed.host} …${tail}`;
  } catch {
    return "";
  }
}

function emailHint(settings: EmailSettings): string {
  const [first, ...rest] = settings.recipients;
  return `${settings.host}:${settings.port} → ${first ?? "nobody"}${rest.length ? ` +${rest.length}` : ""}`;
}

/** A channel as anyone in the team sees it: no secret, only whether each is set. */
function view(teamId: string, row: Row) {
  const secrets = readSecrets(teamId, row.secretsCiphertext);
  const lastTest = row.lastTest === null ? null : channelLastTestSchema.safeParse(row.lastTest);
  const settings = row.kind === "email" ? (row.settings as EmailSettings) : null;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    targetHint: row.targetHint,
    ratePerMinute: row.ratePerMinute,
    isEnabled: row.isEnabled,
    email: settings
      ? {
          host: settings.host,
          port: settings.port,
          security: settings.security,
          user: settings.user,
          from: settings.from,
          recipients: settings.recipients,
        }
      : null,
    secretsSet: {
      url: Boolean(secrets.url),
      signingSecret: Boolean(secrets.signingSecret),
      slackSigningSecret: Boolean(secrets.slackSigningSecret),
      password: Boolean(secrets.password),
    },
    lastTest: lastTest?.success ? lastTest.data : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
export type ChannelView = ReturnType<typeof view>;

function parse<T>(result: { success: true; data: T } | { success: false; error: ZodError }): T {
  if (!result.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(result.error));
  return result.data;
}

async function audit(teamId: string, userId: string, action: AuditAction, channelId: string, metadata: Record<string, string> = {}) {
  await recordAudit(db, { teamId, actorId: userId, action, targetId: channelId, metadata });
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
const nameTaken = () =>
  new AppError("CONFLICT", "A channel with that name already exists in this team. Choose another name.", {
    fieldErrors: { name: ["That name is taken in this team."] },
  });

/** The courtesy check at save time (sending checks again on connect): a target the guard would refuse is refused at its field. */
async function assertReachable(field: "url" | "host", target: string) {
  const refusal = await findRefusalForUrl("tool", target);
  if (!refusal) return;
  const message =
    `Channels do not send to private addresses, and ${refusal.explanation}. ` +
    `An operator of this instance can allow it with ${PRIVATE_HOSTS_SETTING.tool}.`;
  throw new AppError("BAD_REQUEST", message, { fieldErrors: { [field]: [message] } });
}

const smtpTarget = (host: string, port: number) => `smtp://${host.includes(":") ? `[${host}]` : host}:${port}`;

async function loadRow(teamId: string, channelId: string) {
  const row = await db.channel.findFirst({ where: { id: channelId, teamId }, select: publicFields });
  if (!row) throw notFound("That channel");
  return row;
}

export async function listChannels(teamId: string) {
  const rowsFound = await db.channel.findMany({ where: { teamId }, orderBy: { name: "asc" }, select: publicFields });
  return rowsFound.map((row) => view(teamId, row));
}

export async function getChannel({ teamId, channelId }: { teamId: string; channelId: string }) {
  return view(teamId, await loadRow(teamId, channelId));
}

/**
 * Adds a channel. An outgoing webhook gets a signing secret made here, returned once in this answer
 * (`signingSecret`; null for other kinds) and never again.
 */
export async function createChannel({ teamId, userId, input: given }: { teamId: string; userId: string; input: ChannelInput }) {
  const input = parse(channelInputSchema.safeParse(given));
  const secrets: ChannelSecrets = {};
  let settings: Record<string, unknown> = {};
  let targetHint: string;
  let signingSecret: string | null = null;
  if (input.kind === "email") {
    const email: EmailSettings = {
      host: input.host!,
      port: input.port!,
      security: input.security!,
      user: input.user ?? "",
      from: input.from!,
      recipients: input.recipients!,
    };
    await assertReachable("host", smtpTarget(email.host, email.port));
    settings = email;
    if (email.user && input.password) secrets.password = input.password;
    targetHint = emailHint(email);
  } else {
    await assertReachable("url", input.url!);
    secrets.url = input.url!;
    targetHint = urlHint(input.url!);
    if (input.kind === "webhook") secrets.signingSecret = signingSecret = newSecretToken(SIGNING_SECRET_PREFIX).token;
    if (input.kind === "slack" && input.slackSigningSecret) secrets.slackSigningSecret = input.slackSigningSecret;
  }
  if (await db.channel.count({ where: { teamId, name: input.name } })) throw nameTaken();
  try {
    const row = await db.channel.create({
      data: {
        teamId,
        name: input.name,
        kind: input.kind,
        settings: settings as Prisma.InputJsonValue,
        secretsCiphertext: sealSecrets(teamId, secrets),
        targetHint,
        ratePerMinute: input.ratePerMinute,
        isEnabled: input.isEnabled,
        createdById: userId,
      },
      select: publicFields,
    });
    await audit(teamId, userId, "channel.create", row.id, { kind: input.kind, fields: Object.keys(secrets).sort().join(",") });
    return { channel: view(teamId, row), signingSecret };
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** Changes a channel's settings (not its kind); write-only values left empty stay as they are. Audited with field names only. */
export async function updateChannel({
  teamId,
  userId,
  channelId,
  input: given,
}: {
  teamId: string;
  userId: string;
  channelId: string;
  input: ChannelUpdate;
}) {
  const input = parse(channelUpdateSchema.safeParse(given));
  const row = await loadRow(teamId, channelId);
  const kind = row.kind;
  const issues = channelUpdateIssues(kind, input);
  if (Object.keys(issues).length > 0) throw new AppError("BAD_REQUEST", "Some fields need attention.", { fieldErrors: issues });

  const secrets = readSecrets(teamId, row.secretsCiphertext);
  const changed: string[] = [];
  const data: Prisma.ChannelUpdateInput = {};
  if (input.name !== undefined && input.name !== row.name) {
    data.name = input.name;
    changed.push("name");
  }
  if (input.ratePerMinute !== undefined && input.ratePerMinute !== row.ratePerMinute) {
    data.ratePerMinute = input.ratePerMinute;
    changed.push("ratePerMinute");
  }
  if (input.isEnabled !== undefined && input.isEnabled !== row.isEnabled) {
    data.isEnabled = input.isEnabled;
    changed.push("isEnabled");
  }
  let secretsChanged = false;

  if (kind === "email") {
    const before = row.settings as EmailSettings;
    const after: EmailSettings = {
      host: input.host ?? before.host,
      port: input.port ?? before.port,
      security: input.security ?? before.security,
      user: input.user ?? before.user,
      from: input.from ?? before.from,
      recipients: input.recipients ?? before.recipients,
    };
    for (const key of ["host", "port", "security", "user", "from", "recipients"] as const) {
      if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) changed.push(key);
    }
    if (changed.includes("host") || changed.includes("port")) await assertReachable("host", smtpTarget(after.host, after.port));
    if (input.password) {
      secrets.password = input.password;
      secretsChanged = true;
      changed.push("password");
    }
    if (!after.user && secrets.password) delete secrets.password;
    if (after.user && !secrets.password) {
      const message = "Enter the password for this user.";
      throw new AppError("BAD_REQUEST", message, { fieldErrors: { password: [message] } });
    }
    data.settings = after;
    data.targetHint = emailHint(after);
  } else {
    if (input.url && input.url !== secrets.url) {
      await assertReachable("url", input.url);
      secrets.url = input.url;
      data.targetHint = urlHint(input.url);
      secretsChanged = true;
      changed.push("url");
    }
    if (kind === "slack" && input.slackSigningSecret) {
      secrets.slackSigningSecret = input.slackSigningSecret;
      secretsChanged = true;
      changed.push("slackSigningSecret");
    } else if (kind === "slack" && input.removeSlackSigningSecret && secrets.slackSigningSecret) {
      delete secrets.slackSigningSecret;
      secretsChanged = true;
      changed.push("slackSigningSecret");
    }
  }
  if (secretsChanged || (kind === "email" && changed.includes("user"))) data.secretsCiphertext = sealSecrets(teamId, secrets);
  if (changed.length === 0) return view(teamId, row);
  try {
    const updated = await db.channel.update({ where: { id: row.id }, data, select: publicFields });
    await audit(teamId, userId, "channel.update", row.id, { fields: changed.join(",") });
    return view(teamId, updated);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** A new signing secret for an outgoing webhook; the old one stops signing at once. Returned once. */
export async function rotateChannelSecret({ teamId, userId, channelId }: { teamId: string; userId: string; channelId: string }) {
  const row = await loadRow(teamId, channelId);
  if (row.kind !== "webhook") throw new AppError("BAD_REQUEST", "Only an outgoing webhook has a signing secret to rotate.");
  const secrets = readSecrets(teamId, row.secretsCiphertext);
  const signingSecret = newSecretToken(SIGNING_SECRET_PREFIX).token;
  secrets.signingSecret = signingSecret;
  const updated = await db.channel.update({
    where: { id: row.id },
    data: { secretsCiphertext: sealSecrets(teamId, secrets) },
    select: publicFields,
  });
  await audit(teamId, userId, "channel.rotate_secret", row.id, { fingerprint: fingerprint(signingSecret) });
  return { channel: view(teamId, updated), signingSecret };
}

const agentsUsingRow = sqlRow("taking a deleted channel off its agents", { id: col.uuid });

/**
 * Deletes a channel and its delivery log, and takes it off every agent that sent messages to it (in
 * one transaction). Says how many agents used it.
 */
export async function deleteChannel({ teamId, userId, channelId }: { teamId: string; userId: string; channelId: string }) {
  const row = await loadRow(teamId, channelId);
  const agents = await db.$transaction(async (tx) => {
    const touched = await rows(
      tx,
      agentsUsingRow,
      Prisma.sql`
        UPDATE agent SET "messageChannelIds" = array_remove("messageChannelIds", ${row.id}::uuid)
         WHERE "teamId" = ${teamId} AND ${row.id}::uuid = ANY("messageChannelIds")
        RETURNING id::text AS id`,
    );
    // Notification rules stop naming it too (a rule left with no channel sends nothing until it gets one).
    await tx.$executeRaw`
      UPDATE notification_rule SET "channelIds" = array_remove("channelIds", ${row.id}::uuid)
       WHERE "teamId" = ${teamId} AND ${row.id}::uuid = ANY("channelIds")`;
    await tx.channel.delete({ where: { id: row.id } });
    await recordAudit(tx, {
      teamId,
      actorId: userId,
      action: "channel.delete",
      targetId: row.id,
      metadata: { kind: row.kind, agents: String(touched.length) },
    });
    return touched.length;
  });
  const message =
    agents === 0
      ? `Deleted "${row.name}". No agent sent messages to it.`
      : `Deleted "${row.name}". ${agents === 1 ? "1 agent" : `${agents} agents`} sent messages to it and no longer ${agents === 1 ? "does" : "do"}.`;
  return { ok: true as const, agentsUpdated: agents, message };
}

/** The channel with its secrets decrypted, for the delivery engine; null when it is not the team's. Never leaves the server. */
export async function channelForSending(teamId: string, channelId: string): Promise<ChannelForSending | null> {
  const row = await db.channel.findFirst({
    where: { id: channelId, teamId },
    select: { id: true, teamId: true, name: true, kind: true, settings: true, secretsCiphertext: true },
  });
  if (!row || !CHANNEL_KINDS.includes(row.kind)) return null;
  let secrets: ChannelSecrets;
  try {
    secrets = openSecrets(teamId, row.secretsCiphertext);
  } catch {
    throw new AppError(
      "CONFLICT",
      `The stored settings of the channel "${row.name}" could not be read. Edit it and enter its URL or password again.`,
    );
  }
  return {
    id: row.id,
    teamId: row.teamId,
    name: row.name,
    kind: row.kind,
    settings: (row.settings ?? {}) as Record<string, unknown>,
    secrets: Object.fromEntries(Object.entries(secrets).filter((entry): entry is [string, string] => typeof entry[1] === "string")),
  };
}
