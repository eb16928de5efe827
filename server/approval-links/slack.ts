import "server-only";
import type { ChannelSecrets } from "../../shared/channels";
import { db } from "../db/client";
import { env } from "../env";
import { AppError } from "../errors";
import { logger } from "../logger";
import { decryptSecret } from "../secrets/crypto";
import { hashSecretToken, newSecretToken, secretTokenPattern } from "../secrets/tokens";
import { getMembership } from "../teams/teams";
import { recordAudit } from "../audit/record";
import { readBodyUpTo } from "../http/body";
import { outboundGuard } from "../security/outbound";
import { decideThroughLink, findApprovalLink } from "./links";
import { isFreshSlackTimestamp, isSignedBySlack } from "./slack-signature";

/**
 * Slack interactive buttons (docs/decisions/037). Slack posts `payload=<JSON>` form-encoded, signed with
 * the Slack app's signing secret: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">`.
 * The button's value is an approval link's token: it names the team, whose Slack channels' signing
 * secrets must verify the request. The clicking Slack user decides as the Longhaul person they are
 * linked to; an unlinked one gets a one-time link that ties them to whoever opens it signed in.
 */
export const SLACK_MAX_BODY_BYTES = 64 * 1024;
export const SLACK_LINK_TTL_MS = 60 * 60 * 1000;
const SLACK_LINK_PREFIX = "lhs_";
const SLACK_LINK_PATTERN = secretTokenPattern(SLACK_LINK_PREFIX);

/** What to answer Slack: JSON (a message replacing the original, or an ephemeral one) or a plain refusal. */
export type SlackAnswer = { status: number; json?: Record<string, unknown>; text?: string };

const refuse = (status: number, text: string): SlackAnswer => ({ status, text });
const ephemeral = (text: string): SlackAnswer => ({ status: 200, json: { response_type: "ephemeral", replace_original: false, text } });

type SlackPayload = {
  actions?: { action_id?: unknown; value?: unknown }[];
  user?: { id?: unknown; name?: unknown };
  response_url?: unknown;
};

/**
 * Slack's block actions update the message through the payload's `response_url` (the HTTP answer alone
 * is not always applied): the same JSON is posted there too, without waiting, only to hooks.slack.com.
 */
function alsoPostToResponseUrl(payload: SlackPayload | null, json: Record<string, unknown>) {
  const raw = typeof payload?.response_url === "string" ? payload.response_url : "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return;
  }
  if (url.protocol !== "https:" || url.hostname !== "hooks.slack.com") return;
  void outboundGuard("tool")
    .fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(json),
      signal: AbortSignal.timeout(10_000),
    })
    .catch((error: unknown) => logger.warn({ err: error }, "the Slack message could not be updated through response_url"));
}

function parsePayload(rawBody: string): SlackPayload | null {
  try {
    const payload = new URLSearchParams(rawBody).get("payload");
    const parsed: unknown = payload ? JSON.parse(payload) : null;
    return parsed && typeof parsed === "object" ? parsed : null;
  } catch {
    return null;
  }
}

/** The Slack signing secrets of the team's Slack channels. */
async function slackSigningSecrets(teamId: string): Promise<string[]> {
  const channels = await db.channel.findMany({ where: { teamId, kind: "slack" }, select: { id: true, secretsCiphertext: true } });
  const secrets: string[] = [];
  for (const channel of channels) {
    try {
      const parsed = JSON.parse(decryptSecret(channel.secretsCiphertext, teamId)) as ChannelSecrets;
      if (parsed.slackSigningSecret) secrets.push(parsed.slackSigningSecret);
    } catch (error) {
      logger.warn({ err: error, teamId, channelId: channel.id }, "a Slack channel's secrets could not be read");
    }
  }
  return secrets;
}

export async function handleSlackInteraction({
  rawBody,
  timestamp,
  signature,
  now = new Date(),
}: {
  rawBody: string;
  timestamp: string | null;
  signature: string | null;
  now?: Date;
}): Promise<SlackAnswer> {
  if (Buffer.byteLength(rawBody, "utf8") > SLACK_MAX_BODY_BYTES) return refuse(413, "The request body is larger than 64 KB.");
  if (!isFreshSlackTimestamp(timestamp, now)) {
    return refuse(401, "X-Slack-Request-Timestamp is missing or more than 5 minutes away from now.");
  }
  if (!signature?.startsWith("v0=")) return refuse(401, "X-Slack-Signature is missing.");
  const payload = parsePayload(rawBody);
  const action = payload?.actions?.[0];
  const token = typeof action?.value === "string" ? action.value : "";
  const link = token ? await findApprovalLink(token) : null;
  // Without a known link there is no team, so no secret to verify with: the same refusal as a bad signature.
  const secrets = link ? await slackSigningSecrets(link.teamId) : [];
  const verified = isSignedBySlack({ secrets, timestamp, rawBody, signature });
  if (!link || !verified) return refuse(401, "X-Slack-Signature does not match the signing secret of this team's Slack channels.");

  const decision = action?.action_id === "approve" ? "approved" : action?.action_id === "reject" ? "rejected" : null;
  const slackUserId = typeof payload?.user?.id === "string" ? payload.user.id : "";
  if (!decision || !/^[A-Z0-9]{2,40}$/.test(slackUserId)) return ephemeral("Longhaul did not understand this button.");

  const linked = await db.slackUserLink.findUnique({
    where: { teamId_slackUserId: { teamId: link.teamId, slackUserId } },
    select: { userId: true },
  });
  if (!linked) {
    const url = await createSlackLinkRequest({ teamId: link.teamId, slackUserId, now });
    return ephemeral(
      `Longhaul does not know who you are yet. Open <${url}|this link> while signed in to Longhaul (once), then click the button again.`,
    );
  }
  try {
    const done = await decideThroughLink({ token, userId: linked.userId, via: "slack", decision, now });
    const what = done.toolName ? `${done.toolName} for ${done.agentName}` : done.agentName;
    const at = done.decidedAt.toISOString().slice(11, 16);
    const word = done.status === "approved" ? "Approved" : "Rejected";
    const json = { replace_original: true, text: `${word} by ${done.decidedBy ?? "someone"} at ${at} UTC: ${what}.` };
    alsoPostToResponseUrl(payload, json);
    return { status: 200, json };
  } catch (error) {
    if (error instanceof AppError) return ephemeral(error.message);
    throw error;
  }
}

/** A one-time link that ties `slackUserId` (in the team's workspace) to whoever opens it signed in. */
export async function createSlackLinkRequest({
  teamId,
  slackUserId,
  now = new Date(),
}: {
  teamId: string;
  slackUserId: string;
  now?: Date;
}) {
  const { token, hash } = newSecretToken(SLACK_LINK_PREFIX);
  await db.slackLinkRequest.create({
    data: { teamId, slackUserId, tokenHash: hash, expiresAt: new Date(now.getTime() + SLACK_LINK_TTL_MS) },
  });
  return new URL(`/approve/slack-link/${token}`, env.APP_URL).toString();
}

export const SLACK_LINK_NOT_VALID =
  "This Slack link is not valid: it may have expired (after an hour) or been used. Click the button in Slack again for a new one.";

/** Ties the request's Slack user to `userId`, a member of the request's team; the link is used up. */
export async function linkSlackUser({ token, userId, now = new Date() }: { token: string; userId: string; now?: Date }) {
  const request = SLACK_LINK_PATTERN.test(token)
    ? await db.slackLinkRequest.findUnique({ where: { tokenHash: hashSecretToken(token) } })
    : null;
  if (!request || request.usedAt || request.expiresAt <= now) throw new AppError("NOT_FOUND", SLACK_LINK_NOT_VALID);
  const membership = await getMembership({ teamId: request.teamId, userId });
  if (!membership) {
    throw new AppError("FORBIDDEN", "This link belongs to a team you are not in. Sign in with the account that is in that team.");
  }
  const used = await db.slackLinkRequest.updateMany({ where: { id: request.id, usedAt: null }, data: { usedAt: now } });
  if (used.count === 0) throw new AppError("NOT_FOUND", SLACK_LINK_NOT_VALID);
  const { teamId, slackUserId } = request;
  await db.$transaction(async (tx) => {
    await tx.slackUserLink.upsert({
      where: { teamId_slackUserId: { teamId, slackUserId } },
      create: { teamId, slackUserId, userId },
      update: { userId },
    });
    await recordAudit(tx, { teamId, actorId: userId, action: "channel.slack_link", targetId: userId, metadata: { slackUserId } });
  });
  return { teamName: membership.teamName, slackUserId };
}

/** POST /api/channels/slack/interactions: the request as Slack sends it, answered as Slack reads it. */
export async function receiveSlackInteraction(req: Request): Promise<Response> {
  const body = await readBodyUpTo(req, SLACK_MAX_BODY_BYTES);
  const answer = body
    ? await handleSlackInteraction({
        rawBody: body.toString("utf8"),
        timestamp: req.headers.get("x-slack-request-timestamp"),
        signature: req.headers.get("x-slack-signature"),
      })
    : refuse(413, "The request body is larger than 64 KB.");
  if (answer.json) return Response.json(answer.json, { status: answer.status });
  return new Response(answer.text ?? "", { status: answer.status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
