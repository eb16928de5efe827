import "server-only";
import { z } from "zod";
import { Prisma } from "../db/client";
import type { RawClient } from "../db/raw";
import { AgentStatus, EventType } from "../db/generated/enums";
import { col, jsonArray } from "../db/columns";
import { row, rows, sqlRow, type RowOf } from "../db/rows";
import { loadedAgentJson, recentEventsSql, type LoadedEvent } from "../agents/events";
import { appendEventsSet, markCycleDoneSet } from "../agents/sql";
import { chargeCommittedSet, commitReservationCte } from "../spend/sql";
import { recallInputColumns } from "../memory/memories";
import { pendingMemoriesJson, pinnedMemoriesJson, providerRowJson, teamEmbedderJson } from "../memory/sql";

/**
 * The loop's SQL: its hot-path statements, raw because each does in ONE round trip what Prisma needs
 * several for: reads of a few tables as one row (scalar subqueries), and writes whose parts depend on
 * each other (a data-modifying CTE). Every cycle runs them, and round trips are most of a cycle's
 * overhead besides the model (bench/agent-loop.ts). They are composed from the domains' fragments
 * (server/agents/sql.ts: appending events, a finished cycle; server/spend/sql.ts: committing a
 * reservation) and parameterised, and each takes the client to run on (a RawClient: Prisma's
 * `$queryRaw`/`$executeRaw` shape): the loop sends most of them without Prisma, on the pool (`direct`,
 * server/db/raw.ts) or as one message with the agent lock they run under (`lockedOneTrip`), and the
 * rest inside an `underAgentLock` transaction; on PostgreSQL and PGlite alike. The reads return JSON or
 * text, converted here, so nothing depends on how a driver maps numeric or bigint columns; each
 * statement's row is declared with `sqlRow` and checked (server/db/rows.ts), its large JSON columns
 * (the events, the memories) only as arrays, so the check costs the hot path microseconds (docs/decisions/029).
 *
 * What they read and write is what the Prisma calls they replace read and wrote; the loop's steps keep
 * the logic, and the agent lock where a check-then-write needs it: a lock taken inside a statement would
 * not help, since the statement's snapshot predates it.
 */
type Client = RawClient;
type Ids = { agentId: string; teamId: string };

/** An event row as the loop reads it back: a recorded decision, a thought, a tool call or result. */
export type EventRecord = { id: bigint; seq: number; type: EventType; payload: Prisma.JsonValue };
/** An event as a statement's jsonb column (`jsonb_build_object('id', id::text, 'seq', ...)`). */
const eventJson = z.strictObject({ id: col.text, seq: col.int, type: z.enum(EventType), payload: col.json });
type EventJson = z.infer<typeof eventJson>;
const eventOf = (e: EventJson | null): EventRecord | null => (e ? { ...e, id: BigInt(e.id) } : null);

/** `payload.stage = "think"` events that decide a cycle: a tool call or error, or this run's budget stop. */
const recordedDecisionSql = ({ agentId, teamId, cycle, agentRunId }: Ids & { cycle: number; agentRunId: string }) => Prisma.sql`
  SELECT jsonb_build_object('id', e.id::text, 'seq', e.seq, 'type', e.type, 'payload', e.payload)
    FROM agent_event e
   WHERE e."agentId" = ${agentId}::uuid AND e."teamId" = ${teamId} AND e.cycle = ${cycle}
     AND e.payload -> 'stage' = '"think"'::jsonb
     AND (e.type IN ('tool_call', 'error') OR (e.type = 'budget' AND e."runId" = ${agentRunId}::uuid))
   ORDER BY e.seq DESC LIMIT 1`;

/** The cycle's first thought (the model call an overlapping copy may already have recorded). */
const thoughtSql = ({ agentId, teamId, cycle }: Ids & { cycle: number }) => Prisma.sql`
  SELECT jsonb_build_object('id', e.id::text, 'seq', e.seq, 'type', e.type, 'payload', e.payload)
    FROM agent_event e
   WHERE e."agentId" = ${agentId}::uuid AND e."teamId" = ${teamId} AND e.cycle = ${cycle} AND e.type = 'thought'
   ORDER BY e.seq ASC LIMIT 1`;

/** The agent columns think reads: for the plan, for holds (HOLD_FIELDS) and for the prompt (loadContext's). */
const thinkAgentJson = z.strictObject({
  ...loadedAgentJson.shape,
  status: z.enum(AgentStatus),
  model: col.text,
  temperature: col.float,
  maxOutputTokens: col.int,
  contextWindow: col.int.nullable(),
  tools: col.json,
  approvalTimeoutSeconds: col.int,
  // numeric and int8 as text (to_jsonb would give numbers that lose digits).
  budgetUsd: col.text.nullable(),
  budgetTokens: col.text.nullable(),
  budgetCycles: col.int.nullable(),
  softLimitPercent: col.int,
  spentUsd: col.text,
  tokensUsed: col.text,
  budgetAckKey: col.text.nullable(),
  // A child's budget is its parent's carve: no soft-limit hold asks a person to raise it (holds.ts).
  parentId: col.uuid.nullable(),
  repeatStreak: col.int,
  stuckRepeatLimit: col.int,
  lastProgressCycle: col.int,
  stuckNoProgressCycles: col.int,
  lastCallSignature: col.text.nullable(),
});

/**
 * Everything a think step reads before it decides, in one statement (it was eleven Prisma reads): this
 * run's claim, a decision or a hold already recorded for the cycle, the agent row, the cycle's thought,
 * the events of the cycles the rolling summary does not cover yet (loadContext's read, so that the
 * prompt is assembled without reading them again), and what the model call and recall read first: the
 * provider's row, the pinned and the pending memories. One snapshot, so the parts agree with each other.
 */
export async function readThinkState(client: Client, params: Ids & { agentRunId: string; cycle: number }) {
  return thinkStateOf(await row(client, thinkStateRow, thinkStateSql(params)));
}

/** The row of readThinkState's statement. */
export const thinkStateRow = sqlRow("the think step's read (think state)", {
  claimStatus: col.text.nullable(),
  recorded: eventJson.nullable(),
  hold: z.strictObject({ id: col.uuid, kind: z.enum(["budget", "stuck"]) }).nullable(),
  thought: eventJson.nullable(),
  agent: thinkAgentJson.nullable(),
  events: jsonArray<LoadedEvent>(),
  ...recallInputColumns,
});
export type ThinkStateRow = RowOf<typeof thinkStateRow>;

/** readThinkState's statement, for a caller that sends it along with another (act: the next cycle's, see session.ts). */
export function thinkStateSql(params: Ids & { agentRunId: string; cycle: number }) {
  const { agentId, teamId, agentRunId, cycle } = params;
  return Prisma.sql`
    WITH a AS (
      SELECT status, provider, model, temperature, "maxOutputTokens", "contextWindow", tools, "approvalTimeoutSeconds",
             "budgetUsd"::text AS "budgetUsd", "budgetTokens"::text AS "budgetTokens", "budgetCycles", "softLimitPercent",
             "spentUsd"::text AS "spentUsd", "tokensUsed"::text AS "tokensUsed", "budgetAckKey", "parentId", "repeatStreak",
             "stuckRepeatLimit", "lastProgressCycle", "stuckNoProgressCycles", "lastCallSignature",
             name, goal, instructions, "worldState", summary, "summaryThroughCycle", "cycleCount", "lastEventSeq", "memorySettings"
        FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}
    )
    SELECT (SELECT r.status::text FROM agent_run r WHERE r.id = ${agentRunId}::uuid) AS "claimStatus",
           (${recordedDecisionSql(params)}) AS recorded,
           (SELECT jsonb_build_object('id', h.id, 'kind', h.kind)
              FROM approval h
             WHERE h."agentId" = ${agentId}::uuid AND h."teamId" = ${teamId} AND h.cycle = ${cycle}
               AND h.kind IN ('budget', 'stuck') AND h.status = 'pending'
             ORDER BY h."createdAt" DESC LIMIT 1) AS hold,
           (${thoughtSql(params)}) AS thought,
           (SELECT to_jsonb(a) FROM a) AS agent,
           ${recentEventsSql({ agentId, teamId })} AS events,
           ${providerRowJson(teamId, Prisma.sql`(SELECT provider FROM a)`)} AS "providerRow",
           ${teamEmbedderJson(teamId)} AS "embedderRow",
           ${pinnedMemoriesJson({ agentId, teamId })} AS pinned,
           ${pendingMemoriesJson({ agentId, teamId })} AS pending`;
}

/** readThinkState's result from its statement's row. */
export function thinkStateOf(row: ThinkStateRow) {
  const a = row.agent;
  const agent = a && {
    ...a,
    budgetUsd: a.budgetUsd === null ? null : new Prisma.Decimal(a.budgetUsd),
    budgetTokens: a.budgetTokens === null ? null : BigInt(a.budgetTokens),
    spentUsd: new Prisma.Decimal(a.spentUsd),
    tokensUsed: BigInt(a.tokensUsed),
  };
  return {
    claimStatus: row.claimStatus,
    recorded: eventOf(row.recorded),
    hold: row.hold && { approvalId: row.hold.id, kind: row.hold.kind },
    thought: eventOf(row.thought),
    agent,
    events: row.events,
    // What recall reads first (recallForContext, for the one query it embeds).
    recallInputs: { providerRow: row.providerRow, embedderRow: row.embedderRow, pinned: row.pinned, pending: row.pending },
  };
}

const cycleRecordRow = sqlRow("the cycle's record (thought and decision)", {
  thought: eventJson.nullable(),
  recorded: eventJson.nullable(),
});

/** Under the agent lock, before planning: the cycle's thought and decision as recorded so far, in one read. */
export async function readCycleRecord(client: Client, params: Ids & { cycle: number; agentRunId: string }) {
  const record = await row(
    client,
    cycleRecordRow,
    Prisma.sql`SELECT (${thoughtSql(params)}) AS thought, (${recordedDecisionSql(params)}) AS recorded`,
  );
  return { thought: eventOf(record.thought), recorded: eventOf(record.recorded) };
}

/**
 * What act reads first: the planned call, a result an earlier attempt recorded, and the world state
 * before the tool runs (as jsonb text, for recordToolResult to compare with the state after it).
 */
export async function readActState(
  client: Client,
  { agentId, teamId, cycle, callEventSeq }: Ids & { cycle: number; callEventSeq: number },
) {
  const state = await row(
    client,
    actStateRow,
    Prisma.sql`
    SELECT (SELECT payload FROM agent_event WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND seq = ${callEventSeq}) AS call,
           (SELECT payload FROM agent_event
             WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND cycle = ${cycle} AND type = 'tool_result'
             ORDER BY seq LIMIT 1) AS result,
           (SELECT "worldState"::text FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}) AS "worldState"`,
  );
  if (state.call === null || state.worldState === null)
    throw new Error(`The tool call event ${callEventSeq} of agent ${agentId} was not found.`);
  return { call: state.call, result: state.result, worldState: state.worldState };
}

const actStateRow = sqlRow("the act step's read (act state)", {
  call: col.json.nullable(),
  result: col.json.nullable(),
  worldState: col.text.nullable(),
});

/**
 * An action's outcome, recorded in one statement under the agent lock (it was a read and four writes):
 * unless an overlapping copy of the step recorded the cycle's result first (then that one is returned
 * and nothing is written), the tool_result event (with its sequence number from the agent row, as
 * appendEvent in events.ts takes it), the cycle's episode memory pointing at it (pending an embedding,
 * as writeMemory in server/memory/memories.ts stores one), and on the same agent row update the
 * stuck-detection counters (the repeat streak of identical calls, the last cycle that brought new
 * information; holds.ts reads them) and the cycle's end as act.ts's markCycleDone writes it (markCycleDoneSet).
 *
 * New information (`isNew`, in the payload and the counters, and choosing the episode's importance):
 * the world state differs from `worldStateBefore` (jsonb equality: key order does not matter), or the
 * result's hash is not among those of the last `stuckNoProgressCycles` results.
 */
export async function recordToolResult(
  client: Client,
  input: Ids & {
    runId: string;
    cycle: number;
    /** The world state before the tool ran, as readActState returned it (jsonb text). */
    worldStateBefore: string;
    resultHash: string | null;
    /** The payload without `isNew`, which this adds. */
    payload: Prisma.InputJsonValue;
    costUsd: string | undefined;
    memory: { content: string; importance: { ifNew: number; ifNotNew: number }; embedder: string };
    signature: string;
  },
) {
  const { agentId, teamId, cycle } = input;
  const recorded = await row(
    client,
    toolResultRow,
    Prisma.sql`
    WITH raced AS (
      SELECT id, seq, type, payload FROM agent_event
       WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND cycle = ${cycle} AND type = 'tool_result'
       ORDER BY seq LIMIT 1
    ), facts AS (
      SELECT NOT EXISTS (SELECT 1 FROM raced) AS fresh,
             a."worldState" IS DISTINCT FROM ${input.worldStateBefore}::jsonb
             OR (${input.resultHash}::text IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM (SELECT payload ->> 'resultHash' AS hash FROM agent_event
                               WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND type = 'tool_result'
                               ORDER BY seq DESC LIMIT a."stuckNoProgressCycles") recent
                WHERE recent.hash = ${input.resultHash}::text)) AS "isNew"
        FROM agent a WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}
    ), next AS (
      UPDATE agent SET ${appendEventsSet(1)}, ${markCycleDoneSet(cycle)},
             "repeatStreak" = CASE WHEN "lastCallSignature" = ${input.signature} THEN "repeatStreak" + 1 ELSE 1 END,
             "lastCallSignature" = ${input.signature},
             "lastProgressCycle" = CASE WHEN (SELECT "isNew" FROM facts) THEN ${cycle} ELSE "lastProgressCycle" END,
             "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} AND (SELECT fresh FROM facts)
       RETURNING "lastEventSeq" AS seq
    ), event AS (
      INSERT INTO agent_event ("agentId", "teamId", "runId", seq, cycle, type, payload, "costUsd", "createdAt")
      SELECT ${agentId}::uuid, ${teamId}, ${input.runId}::uuid, next.seq, ${cycle}, 'tool_result',
             ${JSON.stringify(input.payload)}::jsonb || jsonb_build_object('isNew', (SELECT "isNew" FROM facts)),
             ${input.costUsd ?? "0"}::numeric, now() AT TIME ZONE 'UTC'
        FROM next
      RETURNING id, seq
    ), episode AS (
      INSERT INTO memory ("agentId", "teamId", kind, content, embedder, importance, "sourceEventSeq", "createdAt", "updatedAt")
      SELECT ${agentId}::uuid, ${teamId}, 'episode', ${input.memory.content}, ${input.memory.embedder},
             CASE WHEN (SELECT "isNew" FROM facts) THEN ${input.memory.importance.ifNew}::float8 ELSE ${input.memory.importance.ifNotNew}::float8 END,
             event.seq, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM event
      RETURNING 1
    )
    SELECT (SELECT id FROM event) AS id, (SELECT seq FROM event) AS seq,
           (SELECT jsonb_build_object('id', id::text, 'seq', seq, 'type', type, 'payload', payload) FROM raced) AS raced`,
  );
  const raced = eventOf(recorded.raced);
  if (raced) return { raced };
  if (recorded.id === null || recorded.seq === null) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return { recorded: { id: recorded.id, seq: recorded.seq } };
}

const toolResultRow = sqlRow("recording a tool result", { id: col.int8.nullable(), seq: col.int.nullable(), raced: eventJson.nullable() });

/** An event for `recordThought` to write (appendEvent's fields). */
type NewEvent = {
  type: EventType;
  payload: Prisma.InputJsonValue;
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: string;
  durationMs?: number | null;
};

/**
 * A cycle's thought in one statement (it was three or four): the thought event, the model call's
 * reservation committed against it at the real cost with the agent's counters (commitSpend's write),
 * and the plan's event when it needs nothing else written (a tool call without approval, or the error
 * the model is told about), each with the next sequence number from the agent row as appendEvent takes
 * it. The thought's id is drawn first so that the ledger entry can point at it. Runs under the agent lock,
 * and writes only if the cycle has no thought and no decision recorded yet (by an earlier attempt or an
 * overlapping copy of the step); otherwise it writes nothing and returns null.
 */
export async function recordThought(
  client: Client,
  input: Ids & {
    runId: string;
    cycle: number;
    thought: NewEvent;
    plan: NewEvent | null;
    reservation: { id: bigint; costUsd: string; tokensIn: number; tokensOut: number };
  },
) {
  const { agentId, teamId, runId, cycle, thought, plan, reservation } = input;
  const count = plan ? 2 : 1;
  const charge = {
    reservationId: reservation.id,
    costUsd: reservation.costUsd,
    tokensIn: reservation.tokensIn,
    tokensOut: reservation.tokensOut,
  };
  const ids = { agentId, teamId, cycle, agentRunId: runId };
  const written = await rows(
    client,
    thoughtRow,
    Prisma.sql`
    WITH fresh AS (SELECT NOT EXISTS (${thoughtSql(ids)}) AND NOT EXISTS (${recordedDecisionSql(ids)}) AS ok),
    thought_id AS (SELECT nextval(pg_get_serial_sequence('agent_event', 'id')) AS id FROM fresh WHERE ok),
    committed AS (${commitReservationCte({ agentId, teamId, charge, eventId: Prisma.sql`(SELECT id FROM thought_id)`, onlyIf: Prisma.sql`(SELECT ok FROM fresh)` })}
    ), next AS (
      UPDATE agent SET ${appendEventsSet(count)}, ${chargeCommittedSet(charge)}
       WHERE id = ${agentId}::uuid AND "teamId" = ${teamId} AND (SELECT ok FROM fresh)
       RETURNING "lastEventSeq" AS last, "worldState"::text AS "worldState"
    )
    INSERT INTO agent_event (id, "agentId", "teamId", "runId", seq, cycle, type, payload, "tokensIn", "tokensOut", "costUsd", "durationMs", "createdAt")
    SELECT (SELECT id FROM thought_id), ${agentId}::uuid, ${teamId}::text, ${runId}::uuid, next.last - ${count - 1}::int, ${cycle}::int, ${thought.type}::"EventType",
           ${JSON.stringify(thought.payload)}::jsonb, ${thought.tokensIn ?? 0}::int, ${thought.tokensOut ?? 0}::int, ${thought.costUsd ?? "0"}::numeric,
           ${thought.durationMs ?? null}::int, now() AT TIME ZONE 'UTC'
      FROM next
    UNION ALL
    SELECT nextval(pg_get_serial_sequence('agent_event', 'id')), ${agentId}::uuid, ${teamId}::text, ${runId}::uuid, next.last, ${cycle}::int,
           ${plan?.type ?? "tool_call"}::"EventType", ${JSON.stringify(plan?.payload ?? {})}::jsonb, ${plan?.tokensIn ?? 0}::int, ${plan?.tokensOut ?? 0}::int,
           ${plan?.costUsd ?? "0"}::numeric, ${plan?.durationMs ?? null}::int, now() AT TIME ZONE 'UTC'
      FROM next WHERE ${plan !== null}::boolean
    RETURNING id, seq, (SELECT "worldState" FROM next) AS "worldState"`,
  );
  // The thought has the lower sequence number.
  const [thoughtEvent, planned = null] = written.sort((x, y) => x.seq - y.seq);
  // The world state as of the thought (jsonb text): what act compares the state after its tool with.
  return thoughtEvent
    ? {
        thought: { id: thoughtEvent.id, seq: thoughtEvent.seq },
        plan: planned && { id: planned.id, seq: planned.seq },
        worldState: thoughtEvent.worldState,
      }
    : null;
}

const thoughtRow = sqlRow("recording a thought", { id: col.int8, seq: col.int, worldState: col.text });

/** What a think step reads before it decides (readThinkState). */
export type ThinkState = ReturnType<typeof thinkStateOf>;
