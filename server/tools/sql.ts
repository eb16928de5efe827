import "server-only";
import { Prisma } from "../db/client";
import { col } from "../db/columns";
import type { RawClient } from "../db/raw";
import { maybeRow, rows, sqlRow } from "../db/rows";

/**
 * The tools domain's SQL: the effect ledger's two writes (the idempotency key before a side effect, its
 * receipt after), the update_world_state tool's merge and the send_message tool's outbox row. Parameterised, through Prisma's
 * `$queryRaw`/`$executeRaw` (on the pool, `direct`, or inside a caller's transaction), rows checked
 * against their declared columns (server/db/rows.ts).
 */
type Client = RawClient;
type Ids = { agentId: string; teamId: string };

/** Writes a side effect's key before the call; whether this attempt wrote it (false: an earlier attempt did). */
export async function claimEffectKey(
  client: Client,
  call: Ids & { idempotencyKey: string; toolName: string; args: unknown },
): Promise<boolean> {
  const written = await rows(
    client,
    effectKeyRow,
    Prisma.sql`
    INSERT INTO tool_effect ("agentId", "teamId", "idempotencyKey", "toolName", args, status, "createdAt")
    VALUES (${call.agentId}::uuid, ${call.teamId}, ${call.idempotencyKey}, ${call.toolName}, ${JSON.stringify(call.args ?? {})}::jsonb,
            'started', now() AT TIME ZONE 'UTC')
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING 1 AS written`,
  );
  return written.length > 0;
}

const effectKeyRow = sqlRow("claiming a side effect's key", { written: col.int });

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
  const row = await maybeRow(
    client,
    worldStateMergeRow,
    Prisma.sql`
    UPDATE agent AS a SET "worldState" = ${worldStateMergedSql(Prisma.sql`old."worldState"`, { set, remove })},
           "updatedAt" = now() AT TIME ZONE 'UTC'
      FROM (SELECT id, "worldState" FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} FOR UPDATE) AS old
     WHERE a.id = old.id
     RETURNING old."worldState" AS before`,
  );
  if (!row) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return row.before;
}

const worldStateMergeRow = sqlRow("merging the world state", { before: col.json });

/**
 * The update_world_state rule, the one place it is written: the state with `set`'s keys merged in (jsonb
 * `||`, a shallow merge like an object spread) and `remove`'s keys taken out. The tool writes with it,
 * and a fork replays the tool's calls with it to rebuild the state at a cycle (server/forks/fork-state.ts).
 */
export const worldStateMergedSql = (state: Prisma.Sql, { set, remove }: { set: Record<string, unknown>; remove: string[] }) =>
  Prisma.sql`(coalesce(${state}, '{}'::jsonb) || ${JSON.stringify(set)}::jsonb) - ${remove}::text[]`;

const replayedStateRow = sqlRow("replaying a world state update", { state: col.json });

/** A world state after one update_world_state call, by the tool's own rule (worldStateMergedSql). */
export async function replayWorldStateUpdate(client: Client, state: unknown, update: { set: Record<string, unknown>; remove: string[] }) {
  const replayed = await maybeRow(
    client,
    replayedStateRow,
    Prisma.sql`SELECT ${worldStateMergedSql(Prisma.sql`${JSON.stringify(state ?? {})}::jsonb`, update)} AS state`,
  );
  return replayed?.state ?? {};
}

/**
 * The send_message tool's outbox row, keyed by the call's idempotency key; null when a row with that key
 * is there already (an earlier attempt's, which the caller reads: this statement's snapshot may predate it).
 */
export async function insertOutboxMessage(client: Client, message: Ids & { idempotencyKey: string; subject: string; body: string }) {
  return maybeRow(
    client,
    outboxMessageRow,
    Prisma.sql`
      INSERT INTO outbox_message ("teamId", "agentId", "idempotencyKey", subject, body, "createdAt")
      VALUES (${message.teamId}, ${message.agentId}::uuid, ${message.idempotencyKey}, ${message.subject}, ${message.body}, now() AT TIME ZONE 'UTC')
      ON CONFLICT ("idempotencyKey") DO NOTHING
      RETURNING id::text AS id`,
  );
}

const outboxMessageRow = sqlRow("writing an outbox message", { id: col.uuid });
