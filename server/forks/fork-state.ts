import "server-only";
import type { Prisma } from "../db/client";
import { db } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { direct } from "../db/raw";
import { AppError, notFound } from "../errors";
import { readSegment, segmentsForCycles } from "../hibernation/segments";
import { foldedSummary } from "../loop/context";
import { replayWorldStateUpdate } from "../tools/sql";
import { updateWorldState } from "../tools/builtins";

type Ids = { agentId: string; teamId: string };
type ReplayedEvent = { seq: number; cycle: number; type: EventType; payload: Prisma.JsonValue; createdAt: Date };

/** What an agent's state was at the end of a cycle, as a fork starts from it. */
export type StateAtCycle = {
  cycle: number;
  worldState: Prisma.JsonValue;
  /** The rolling summary with every cycle through `cycle` folded in (a fork copies no history, so none may be left out). */
  summary: string;
  /** The checkpoint it was rebuilt from (null: from the agent's start) and how many events were replayed on top. */
  fromSnapshot: { id: string; cycle: number } | null;
  replayedEvents: number;
  /** When the cycle ended (its last event; the checkpoint's time when none was replayed): memories and facts are copied as of then. */
  endedAt: Date;
};

/**
 * An agent's state at the end of any cycle (docs/decisions/008): the nearest checkpoint at or before it
 * (or the empty start), then the cycles after it replayed by the loop's own rules: each successful
 * update_world_state call merged in as the tool merges it (server/tools/sql.ts worldStateMergedSql), and
 * the cycles the checkpoint's summary does not cover folded in as the loop folds them
 * (server/loop/context.ts foldedSummary). Events a hibernation moved to cold storage are read from
 * their segments; a segment that cannot be read is an UNAVAILABLE error naming the cycles.
 */
export async function stateAtCycle({ agentId, teamId, cycle }: Ids & { cycle: number }): Promise<StateAtCycle> {
  const snapshot = await db.snapshot.findFirst({
    where: { agentId, teamId, cycle: { lte: cycle } },
    orderBy: { cycle: "desc" },
    select: { id: true, cycle: true, eventSeq: true, worldState: true, summary: true, counters: true, createdAt: true },
  });
  const base = snapshot
    ? {
        worldState: snapshot.worldState ?? {},
        summary: snapshot.summary,
        // Checkpoints record the summary's cursor since this change; an older one with a summary is taken to cover its cycle.
        through: cursorOf(snapshot.counters) ?? (snapshot.summary === "" ? 0 : snapshot.cycle),
        eventSeq: snapshot.eventSeq,
        cycle: snapshot.cycle,
      }
    : { worldState: {}, summary: "", through: 0, eventSeq: 0, cycle: 0 };

  const fromCycle = Math.min(base.through, base.cycle) + 1;
  const events = fromCycle <= cycle ? await eventsOfCycles({ agentId, teamId, fromCycle, toCycle: cycle }) : [];

  let worldState: Prisma.JsonValue = base.worldState;
  let replayed = 0;
  for (const update of worldStateUpdates(events.filter((e) => e.seq > base.eventSeq))) {
    worldState = await replayWorldStateUpdate(direct, worldState, update);
    replayed++;
  }
  const last = events.filter((e) => e.seq > base.eventSeq).at(-1);
  const endedAt = last?.createdAt ?? snapshot?.createdAt ?? (await agentCreatedAt({ agentId, teamId }));
  const fold = foldedSummary({ summary: base.summary, summaryThroughCycle: base.through }, events, cycle, Number.MAX_SAFE_INTEGER);
  return {
    cycle,
    worldState,
    summary: fold ? fold.after.summary : base.summary,
    fromSnapshot: snapshot ? { id: snapshot.id, cycle: snapshot.cycle } : null,
    replayedEvents: replayed,
    endedAt,
  };
}

async function agentCreatedAt({ agentId, teamId }: Ids) {
  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { createdAt: true } });
  return agent.createdAt;
}

function cursorOf(counters: Prisma.JsonValue): number | null {
  const value = (counters as { summaryThroughCycle?: unknown } | null)?.summaryThroughCycle;
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

/**
 * The update_world_state calls that succeeded, in order: a tool_result of the tool with status
 * "succeeded", with the arguments of the cycle's call before it (parsed by the tool's own input schema).
 */
function worldStateUpdates(events: ReplayedEvent[]) {
  const updates: { set: Record<string, unknown>; remove: string[] }[] = [];
  let lastCall: { cycle: number; arguments: unknown } | null = null;
  for (const event of events) {
    const payload = (event.payload ?? {}) as { name?: unknown; arguments?: unknown; status?: unknown };
    if (event.type === "tool_call") lastCall = { cycle: event.cycle, arguments: payload.arguments };
    if (event.type !== "tool_result" || payload.name !== updateWorldState.name || payload.status !== "succeeded") continue;
    if (!lastCall || lastCall.cycle !== event.cycle || typeof lastCall.arguments !== "string") continue;
    const input = updateWorldState.input.safeParse(parseJson(lastCall.arguments));
    if (input.success) updates.push({ set: input.data.set ?? {}, remove: input.data.remove ?? [] });
  }
  return updates;
}

function parseJson(text: string): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return null;
  }
}

/** The events of cycles [fromCycle, toCycle] in sequence order: cold segments first (they hold a prefix), then the hot rows. */
async function eventsOfCycles({ agentId, teamId, fromCycle, toCycle }: Ids & { fromCycle: number; toCycle: number }) {
  const segments = await segmentsForCycles({ agentId, teamId, fromCycle, toCycle });
  const cold: ReplayedEvent[] = [];
  for (const segment of segments) {
    for (const e of await readSegment(segment)) {
      if (e.cycle >= fromCycle && e.cycle <= toCycle)
        cold.push({ seq: e.seq, cycle: e.cycle, type: e.type, payload: e.payload as Prisma.JsonValue, createdAt: new Date(e.createdAt) });
    }
  }
  const hot = await db.agentEvent.findMany({
    where: { agentId, teamId, cycle: { gte: fromCycle, lte: toCycle } },
    orderBy: { seq: "asc" },
    select: { seq: true, cycle: true, type: true, payload: true, createdAt: true },
  });
  const seen = new Set(hot.map((e) => e.seq));
  return [...cold.filter((e) => !seen.has(e.seq)), ...hot].sort((a, b) => a.seq - b.seq);
}

/** A fork's cycle must be one the agent has finished (0: its start). */
export function assertForkableCycle(cycle: number, cycleCount: number) {
  if (cycle > cycleCount) {
    throw new AppError(
      "BAD_REQUEST",
      `This agent has run ${cycleCount} cycle${cycleCount === 1 ? "" : "s"}; choose a cycle from 0 to ${cycleCount} to fork from.`,
      { fieldErrors: { cycle: [`Choose a cycle from 0 to ${cycleCount}.`] } },
    );
  }
}

/** The state at a cycle for the fork dialog to start from (the world state to edit, the summary the fork carries). */
export async function forkPreview({ agentId, teamId, cycle }: Ids & { cycle: number }) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { cycleCount: true, instructions: true, provider: true, model: true },
  });
  if (!agent) throw notFound("That agent");
  assertForkableCycle(cycle, agent.cycleCount);
  const state = await stateAtCycle({ agentId, teamId, cycle });
  return { cycle, worldState: state.worldState, summary: state.summary, fromCheckpointCycle: state.fromSnapshot?.cycle ?? null, agent };
}

/** Where an agent came from and what was forked from it: the parent (null when deleted) and the forks, oldest first. */
export async function forkLineage({ agentId, teamId }: Ids) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { forkedFromAgentId: true, summaryThroughCycle: true },
  });
  if (!agent) throw notFound("That agent");
  const [parent, start, forks] = await Promise.all([
    agent.forkedFromAgentId
      ? db.agent.findFirst({ where: { id: agent.forkedFromAgentId, teamId }, select: { id: true, name: true } })
      : Promise.resolve(null),
    agent.forkedFromAgentId
      ? db.agentEvent.findFirst({
          where: { agentId, teamId, type: "status_change", payload: { path: ["change"], equals: "forked" } },
          orderBy: { seq: "asc" },
          select: { payload: true },
        })
      : Promise.resolve(null),
    db.agent.findMany({
      where: { forkedFromAgentId: agentId, teamId },
      orderBy: { createdAt: "asc" },
      take: 50,
      select: { id: true, name: true, createdAt: true, archivedAt: true },
    }),
  ]);
  const fromCycle = (start?.payload as { fromCycle?: unknown } | null)?.fromCycle;
  return {
    forkedFrom: agent.forkedFromAgentId
      ? { id: agent.forkedFromAgentId, name: parent?.name ?? null, cycle: typeof fromCycle === "number" ? fromCycle : null }
      : null,
    forks,
  };
}
