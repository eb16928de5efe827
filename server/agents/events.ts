import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { col, jsonArray } from "../db/columns";
import { direct } from "../db/raw";
import { maybeRow, sqlRow } from "../db/rows";
import { appendEventsSet } from "./sql";

type Tx = Prisma.TransactionClient;

/**
 * The append-only event log: one row per action, written in the step that did the action. Sequence
 * numbers come from the agent row (one UPDATE ... RETURNING), so they are gap-free and ordered even
 * when steps of one agent race; writing an event never reads or rewrites earlier history.
 */
export async function appendEvent(
  input: {
    agentId: string;
    teamId: string;
    runId?: string | null;
    cycle: number;
    type: EventType;
    payload?: Prisma.InputJsonValue;
    tokensIn?: number;
    tokensOut?: number;
    costUsd?: string;
    durationMs?: number | null;
    stepId?: string | null;
  },
  tx?: Tx,
) {
  // One statement: the next sequence number from the agent row, and the event with it.
  const write = async (client: Tx) => {
    const event = await maybeRow(
      client,
      appendedEventRow,
      Prisma.sql`
      WITH next AS (
        UPDATE agent SET ${appendEventsSet(1)}
         WHERE id = ${input.agentId}::uuid AND "teamId" = ${input.teamId}
         RETURNING "lastEventSeq" AS seq
      )
      INSERT INTO agent_event ("agentId", "teamId", "runId", seq, cycle, type, "stepId", payload, "tokensIn", "tokensOut", "costUsd", "durationMs", "createdAt")
      SELECT ${input.agentId}::uuid, ${input.teamId}, ${input.runId ?? null}::uuid, next.seq, ${input.cycle}, ${input.type}::"EventType",
             ${input.stepId ?? null}, ${JSON.stringify(input.payload ?? {})}::jsonb, ${input.tokensIn ?? 0}, ${input.tokensOut ?? 0},
             ${input.costUsd ?? "0"}::numeric, ${input.durationMs ?? null}::int, now() AT TIME ZONE 'UTC'
        FROM next
      RETURNING id, seq`,
    );
    if (!event) throw new Error(`Agent ${input.agentId} was not found in team ${input.teamId}.`);
    return event;
  };
  return tx ? write(tx) : db.$transaction(write);
}

const appendedEventRow = sqlRow("appending an event", { id: col.int8, seq: col.int });

/**
 * Logs the decision on an approval (an `approval_decided` event with `approvalId` in its payload) once:
 * nothing when an earlier attempt or an overlapping copy of the step already logged it.
 */
export async function recordDecisionOnce(
  tx: Tx,
  { agentId, teamId, runId, cycle, approvalId }: { agentId: string; teamId: string; runId: string; cycle: number; approvalId: string },
  payload: Record<string, Prisma.InputJsonValue | null>,
) {
  const found = await tx.agentEvent.findFirst({
    where: { agentId, teamId, cycle, type: "approval_decided", payload: { path: ["approvalId"], equals: approvalId } },
    select: { id: true },
  });
  if (found) return;
  await appendEvent({ agentId, teamId, runId, cycle, type: "approval_decided", payload: { approvalId, ...payload } }, tx);
}

/**
 * A compact checkpoint: world state, rolling summary and the event cursor it covers. One statement; a
 * snapshot of the cycle written before (a retried step) stays as it was and is returned.
 */
export async function writeSnapshot({ agentId, teamId, cycle }: { agentId: string; teamId: string; cycle: number }) {
  const snapshot = await maybeRow(
    direct,
    snapshotRow,
    Prisma.sql`
    INSERT INTO snapshot ("agentId", "teamId", cycle, "eventSeq", "worldState", summary, counters, "createdAt")
    SELECT id, "teamId", ${cycle}::int, "lastEventSeq", "worldState", summary,
           jsonb_build_object('cycleCount', "cycleCount", 'spentUsd', trim_scale("spentUsd")::text, 'tokensUsed', "tokensUsed"::text,
                              'summaryThroughCycle', "summaryThroughCycle"),
           now() AT TIME ZONE 'UTC'
      FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}
    ON CONFLICT ("agentId", cycle) DO UPDATE SET cycle = EXCLUDED.cycle
    RETURNING id::text, "eventSeq"`,
  );
  if (!snapshot) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return snapshot;
}

const snapshotRow = sqlRow("writing a snapshot", { id: col.uuid, eventSeq: col.int });

/** Cycles whose events reach the model in full at least; older ones reach it through the rolling summary. */
export const RECENT_CYCLES_IN_CONTEXT = 6;
/** Folding waits until this many cycles are due, so most cycles fold nothing (6 to 10 cycles stay in full). */
export const FOLD_BATCH_CYCLES = 5;
/** A hard cap on events read for one prompt, whatever happened in those cycles. */
export const MAX_EVENTS_IN_CONTEXT = 120;

/**
 * The raw material of a prompt (server/loop/context.ts renders it): the agent row, with its world
 * state and rolling summary, and the events of the cycles the summary does not cover yet (kept to a
 * few cycles by folding, and capped at MAX_EVENTS_IN_CONTEXT whatever happened). Bounded,
 * indexed reads whatever the length of the history: cycle 10,000 costs what cycle 10 costs.
 */
export async function loadContext({ agentId, teamId }: { agentId: string; teamId: string }) {
  // One round trip on the pool (the loop reloads after folding cycles into the summary).
  const context = await maybeRow(
    direct,
    contextRow,
    Prisma.sql`
    WITH a AS (
      SELECT name, goal, instructions, "worldState", summary, "summaryThroughCycle", "cycleCount", "lastEventSeq", provider, "memorySettings"
        FROM agent WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}
    )
    SELECT (SELECT to_jsonb(a) FROM a) AS agent, ${recentEventsSql({ agentId, teamId })} AS events`,
  );
  if (!context?.agent) throw new Error(`Agent ${agentId} was not found in team ${teamId}.`);
  return { agent: context.agent, events: context.events };
}
/**
 * What a prompt shows of an earlier thought: what the model said and the call it made. The rest of a
 * thought's payload is the loop's bookkeeping (the recalled memories and their scores, the context's
 * statistics, the model and price flags: most of its 1-2 KB), shown on the timeline, not to the model.
 */
const THOUGHT_IN_PROMPT_SQL = Prisma.raw(
  `jsonb_strip_nulls(jsonb_build_object('content', e.payload->'content', 'call', e.payload->'call', 'toolCalls', e.payload->'toolCalls'))`,
);

/** An event's payload as a prompt shows it (a thought trimmed to what the model said and called), over an `agent_event e`. */
export const PROMPT_EVENT_PAYLOAD_SQL = Prisma.sql`CASE WHEN e.type = 'thought' THEN ${THOUGHT_IN_PROMPT_SQL} ELSE e.payload END`;

/**
 * The recent events of a prompt, as a jsonb array in sequence order, for a statement whose CTE `a` holds
 * the agent's "summaryThroughCycle" (loadContext here; the think step's read, server/loop/sql.ts). The newest by
 * cycle, then sequence: the cursor is not known when the statement is planned, and ordered by cycle the
 * (agentId, cycle) index bounds the scan to the cycles after it. Ordered by sequence alone, PostgreSQL
 * scanned an agent's whole history backwards whenever fewer than MAX_EVENTS_IN_CONTEXT events were left
 * after the cursor (15 ms at 100,000 events). A `summary` event (a fold's record, for people:
 * server/loop/summary-fold.ts) is not the model's business: its summary is in the prompt already.
 */
export const recentEventsSql = ({ agentId, teamId }: { agentId: string; teamId: string }) => Prisma.sql`
  (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', e.seq, 'cycle', e.cycle, 'type', e.type, 'payload',
            ${PROMPT_EVENT_PAYLOAD_SQL}) ORDER BY e.seq), '[]'::jsonb)
     FROM (SELECT seq, cycle, type, payload FROM agent_event
            WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND cycle > (SELECT "summaryThroughCycle" FROM a)
              AND type <> 'summary'
            ORDER BY cycle DESC, seq DESC LIMIT ${MAX_EVENTS_IN_CONTEXT}) e)`;

/** The agent columns a prompt starts from, as a jsonb column (loadContext; the think step's read adds the loop's own). */
export const loadedAgentJson = z.strictObject({
  name: col.text,
  goal: col.text,
  instructions: col.text,
  worldState: col.json,
  summary: col.text,
  summaryThroughCycle: col.int,
  cycleCount: col.int,
  lastEventSeq: col.int,
  provider: col.text,
  memorySettings: col.json,
});
export type LoadedAgent = z.infer<typeof loadedAgentJson>;
/** A prompt's event (recentEventsSql builds them; checked as an array only, see server/db/columns.ts). */
export type LoadedEvent = { seq: number; cycle: number; type: EventType; payload: Prisma.JsonValue };

const contextRow = sqlRow("loading a prompt's context", { agent: loadedAgentJson.nullable(), events: jsonArray<LoadedEvent>() });

export type LoadedContext = Awaited<ReturnType<typeof loadContext>>;
