import "server-only";
import type { Prisma } from "../db/client";

/**
 * Every action the audit log records, named once, with the kind of row it acts on. Domain functions
 * write entries only through `recordAudit`, so an action is always one of these (the audit page's
 * filter groups them by the part before the dot).
 */
export const AUDIT_ACTIONS = {
  "agent.create": "agent",
  "agent.edit": "agent",
  "agent.fork": "agent",
  "agent.import": "agent",
  "agent.export": "agent",
  "agent.start": "agent",
  "agent.resume": "agent",
  "agent.pause": "agent",
  "agent.stop": "agent",
  "agent.webhook_secret_rotate": "agent",
  "agent.summary_restore": "agent",
  "agent.delete": "agent",
  "agent.archive": "agent",
  "agent.restore": "agent",
  "budget.raise": "agent",
  "approval.approve": "agent",
  "approval.reject": "agent",
  "memory.pin": "memory",
  "memory.unpin": "memory",
  "memory.edit": "memory",
  "memory.forget": "memory",
  "memory.embedding_retry": "memory",
  "provider.create": "model_provider",
  "provider.update": "model_provider",
  "provider.test": "model_provider",
  "provider.rotate_key": "model_provider",
  "provider.delete": "model_provider",
  "price.set": "model_provider",
  "price.delete": "model_provider",
  "provider.summarizer_set": "team",
  "mcp.create": "mcp_server",
  "mcp.update": "mcp_server",
  "mcp.refresh": "mcp_server",
  "mcp.delete": "mcp_server",
  "secret.create": "team_secret",
  "secret.update": "team_secret",
  "secret.delete": "team_secret",
  "mcp.oauth_connect": "mcp_server",
  "mcp.oauth_disconnect": "mcp_server",
  "channel.create": "channel",
  "channel.update": "channel",
  "channel.delete": "channel",
  "channel.test": "channel",
  "channel.rotate_secret": "channel",
  "channel.resend": "channel_delivery",
  "channel.slack_link": "member",
  "notification.rule_create": "notification_rule",
  "notification.rule_update": "notification_rule",
  "notification.rule_delete": "notification_rule",
  "token.create": "api_token",
  "token.revoke": "api_token",
  "share.create": "share_link",
  "share.revoke": "share_link",
  "team.create": "team",
  "team.set_embedder": "team",
  "team.reembed_memories": "team",
  "team.invite": "invitation",
  "team.invite_revoke": "invitation",
  "team.join": "member",
  "team.leave": "member",
  "team.role_change": "member",
  "team.remove_member": "member",
  "team.transfer_ownership": "member",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** What can write an entry: the client, or the transaction the change itself is written in (so both commit or neither). */
export type AuditWriter = { auditLog: Pick<Prisma.TransactionClient["auditLog"], "create"> };

export async function recordAudit(
  client: AuditWriter,
  entry: {
    teamId: string;
    /** Who did it; null for the system (the watchdog, a schedule). */
    actorId: string | null;
    action: AuditAction;
    targetId: string | null;
    metadata?: Prisma.InputJsonValue;
  },
): Promise<void> {
  await client.auditLog.create({
    data: {
      teamId: entry.teamId,
      actorId: entry.actorId,
      action: entry.action,
      targetType: AUDIT_ACTIONS[entry.action],
      targetId: entry.targetId,
      metadata: entry.metadata ?? {},
    },
  });
}
