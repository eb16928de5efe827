import "server-only";
import type { Prisma } from "../db/client";

/**
 * The tools domain's SQL: the effect ledger's two writes (the idempotency key before a side effect, its
 * receipt after) and the update_world_state tool's merge. Parameterised, through Prisma's
 * `$queryRaw`/`$executeRaw` (on the pool, `direct`, or inside a caller's transaction).
 */
type Client = Pick<Prisma.TransactionClient, "$queryRaw" | "$executeRaw">;
type Ids = { agentId: string; teamId: string };

/** Writes a side effect's key before the call; whether this attempt wrote it (false: an earlier attempt did). */
export async function claimEffectKey(
  client: Client,
  call: Ids & { idempotencyKey: string; toolName: string; args: unknown },
): Promise<boolean> {
  const written = await client.$queryRaw<unknown[]>`
    INSERT INTO tool_effect ("agentId", "teamId", "idempotencyKey", "toolName", args, status, "createdAt")
    VALUES (${call.agentId}::uuid, ${call.teamId}, ${call.idempotencyKey}, ${call.toolName}, ${JSON.stringify(call.args ?? {})}::jsonb,
            'started', now() AT TIME ZONE 'UTC')
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING 1`;
  return written.length > 0;
}

/** The receipt of a call that succeeded; only a receipt-less key is completed (an overlapping copy that wrote its receipt first stands). */
export async function writeEffectReceipt(client: Client, { idempotencyKey, result }: { idempotencyKey: string; result: unknown }) {
  await client.$executeRaw`
    UPDATE tool_effect SET status = 'succeeded', result = ${JSON.stringify(result ?? null)}::jsonb, "completedAt" = now() AT TIME ZONE 'UTC'
     WHERE "idempotencyKey" = ${idempotencyKey} AND status = 'started'`;
}

/**
 * The update_world_state tool's write, in one statement (it was a transaction of four round trips):
 * the new state is the old one with `set`'s keys merged in (jsonb `||`, a shallow merge like an object
 * spread) and `remove`'s keys taken out; the row lock (FOR UPDATE) makes concurrent updates apply one
 * after the other, as the transaction did. Returns the state before, whose keys the tool reports.
 */
export async function mergeWorldState(
  client: Client,
  { agentId, teamId, set, remove }: Ids & { set: Record<string, unknown>; remove: string[] },
) {
  const [row] = await client.$queryRaw<{ before: Prisma.JsonValue }[]>`
    UPDATE agent AS a SET "worldState" = (coalesce(old."worldState", '{}'::jsonb) || ${JSON.stringify(set)}::jsonb) - ${remove}::text[],
           "updatedAt" = now() AT TIME ZONE 'UTC'
      FROM (SELECT id, "worldState" FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} FOR UPDATE) AS old
     WHERE a.id = old.id
     RETURNING old."worldState" AS before`;
  if (!row) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return row.before;
}
