import "server-only";
import { Prisma } from "./generated/client";
import type { RawClient } from "./raw";

/**
 * Every advisory lock the app takes, named once. A key is hashed with `hashtext()` in SQL, so the same
 * string is the same lock in every process; keys can only be made here (the `LockKey` brand), so two
 * modules cannot spell one lock two ways. The executor's locks are its own (packages of its own).
 */
export type LockKey = string & { readonly __lockKey: unique symbol };
const key = (text: string) => text as LockKey;

export const LOCKS = {
  /** An agent's loop writes and people's actions on it: events, decisions, trigger deliveries (underAgentLock, server/db/agent-lock.ts). */
  agentStep: (agentId: string) => key(`agent-step:${agentId}`),
  /** An agent's spend reservations and limit changes (server/spend/budget.ts, server/agents/control.ts). */
  budget: (agentId: string) => key(`budget:${agentId}`),
  /** One fact of an agent, by key: remember's upsert (server/memory/memories.ts). */
  fact: (agentId: string, factKey: string) => key(`fact:${agentId}:${factKey}`),
  /** A team's membership: roles, removals, ownership (server/teams/members.ts). */
  teamMembers: (teamId: string) => key(`team-members:${teamId}`),
} as const;

/** The statement that takes `lockKey` for the rest of the transaction. */
export const takeLockSql = (lockKey: LockKey) => Prisma.sql`SELECT pg_advisory_xact_lock(hashtext(${lockKey}))`;

/** Takes `lockKey` inside the transaction `tx` (released at commit or rollback). */
export async function takeLock(tx: RawClient, lockKey: LockKey): Promise<void> {
  await tx.$executeRaw(takeLockSql(lockKey));
}
