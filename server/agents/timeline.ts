import "server-only";
import { db } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { notFound } from "../errors";
import { readSegment, segmentsAfterSeq, segmentsForCycles, type ColdEvent } from "../hibernation/segments";

/**
 * An agent's history for the dashboard: its events grouped by cycle, newest cycles first, a page at
 * a time (by cycle number, through the (agentId, cycle) index, so page 1 costs the same at event
 * 100,000 as at event 10), and the events after a sequence number for the live view.
 */
export type TimelineEvent = {
  seq: number;
  cycle: number;
  type: EventType;
  payload: unknown;
  tokensIn: number;
  tokensOut: number;
  costUsd: string;
  durationMs: number | null;
  createdAt: Date;
  /** The name of the person who caused the event (a pause, a raise, an edit), resolved in the team; null when none. */
  actorName: string | null;
};
export type TimelineCycle = { cycle: number; events: TimelineEvent[] };

const EVENT_FIELDS = {
  seq: true,
  cycle: true,
  type: true,
  payload: true,
  tokensIn: true,
  tokensOut: true,
  costUsd: true,
  durationMs: true,
  createdAt: true,
} as const;

/** Events of one page can be many (held cycles, many results); a page stops growing past this. */
const MAX_EVENTS_PER_PAGE = 2000;

function fromCold(event: ColdEvent): TimelineEvent {
  return {
    seq: event.seq,
    cycle: event.cycle,
    type: event.type,
    payload: event.payload,
    tokensIn: event.tokensIn,
    tokensOut: event.tokensOut,
    costUsd: event.costUsd,
    durationMs: event.durationMs,
    createdAt: new Date(event.createdAt),
    actorName: null,
  };
}

/** The user id an event's payload names as the person who caused it (written by control, limit raises, edits). */
function actorIdOf(payload: unknown): string | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as { by?: unknown; byUserId?: unknown };
  const id = typeof p.by === "string" ? p.by : p.byUserId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/**
 * The name an approval decision carries: the loop writes the decider's name (not an id) into its
 * `approval_decided` event when it reads the decision. Null for a decision nobody made (a timeout, a policy).
 */
function deciderNameOf(type: EventType, payload: unknown): string | null {
  if (type !== "approval_decided" || !payload || typeof payload !== "object") return null;
  const name = (payload as { decidedBy?: unknown }).decidedBy;
  return typeof name === "string" && name.length > 0 ? name : null;
}

/** A person who has left the team since is not named: the team's members are whom a viewer may see. */
const FORMER_MEMBER = "A former team member";

/**
 * Names the people behind events, looked up among the team's members only (never another team's
 * users), so the timeline shows "Ada paused the agent" and never an internal user id. The dashboard,
 * the tRPC live view and the public API (server/api/v1) all return events through here.
 */
async function withActorNames<T extends { type: EventType; payload: unknown; actorName: string | null }>(
  teamId: string,
  events: T[],
): Promise<T[]> {
  const ids = [...new Set(events.map((e) => actorIdOf(e.payload)).filter((id): id is string => id !== null))];
  const members =
    ids.length === 0
      ? []
      : await db.member.findMany({
          where: { teamId, userId: { in: ids } },
          select: { userId: true, user: { select: { name: true } } },
        });
  const names = new Map(members.map((m) => [m.userId, m.user.name]));
  return events.map((e) => {
    const id = actorIdOf(e.payload);
    if (id) return { ...e, actorName: names.get(id) ?? FORMER_MEMBER };
    const decider = deciderNameOf(e.type, e.payload);
    return decider ? { ...e, actorName: decider } : e;
  });
}

export async function listCycles({
  teamId,
  agentId,
  beforeCycle,
  cycles = 20,
}: {
  teamId: string;
  agentId: string;
  /** Cycles strictly older than this; the newest page when absent. */
  beforeCycle?: number;
  cycles?: number;
}) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { cycleCount: true, lastEventSeq: true, coldDeletedThroughCycle: true },
  });
  if (!agent) throw notFound("That agent");
  // The newest cycle may still be under way (cycleCount counts finished ones).
  const top = beforeCycle !== undefined ? beforeCycle - 1 : agent.cycleCount + 1;
  const bottom = Math.max(0, top - cycles + 1);
  const rows =
    top < 0
      ? []
      : await db.agentEvent.findMany({
          where: { agentId, teamId, cycle: { gte: bottom, lte: top } },
          orderBy: { seq: "asc" },
          take: MAX_EVENTS_PER_PAGE,
          select: EVENT_FIELDS,
        });
  // Hibernated history (docs/decisions/016) is read through from its cold segments, below the hot rows.
  const cold: TimelineEvent[] = [];
  if (top >= 0) {
    for (const segment of await segmentsForCycles({ agentId, teamId, fromCycle: bottom, toCycle: top })) {
      for (const event of await readSegment(segment)) {
        if (event.cycle >= bottom && event.cycle <= top) cold.push(fromCold(event));
      }
    }
  }
  const events = await withActorNames(
    teamId,
    [...cold, ...rows.map((row): TimelineEvent => ({ ...row, costUsd: row.costUsd.toString(), actorName: null }))]
      .sort((a, b) => a.seq - b.seq)
      .slice(0, MAX_EVENTS_PER_PAGE),
  );
  const byCycle = new Map<number, TimelineEvent[]>();
  for (const event of events) {
    const list = byCycle.get(event.cycle) ?? [];
    list.push(event);
    byCycle.set(event.cycle, list);
  }
  const page: TimelineCycle[] = [...byCycle.entries()].sort((a, b) => b[0] - a[0]).map(([cycle, events]) => ({ cycle, events }));
  return {
    cycles: page,
    lastSeq: agent.lastEventSeq,
    nextBeforeCycle: bottom > 0 ? bottom : null,
    // Cycles up to here lost their history to the cold retention policy (null: nothing was deleted).
    historyDeletedThroughCycle: agent.coldDeletedThroughCycle > 0 ? agent.coldDeletedThroughCycle : null,
  };
}

/** Events after `afterSeq`, oldest first (at most `limit`): what the live view appends. */
export async function eventsAfter({
  teamId,
  agentId,
  afterSeq,
  limit = 200,
}: {
  teamId: string;
  agentId: string;
  afterSeq: number;
  limit?: number;
}) {
  // Cold segments hold a prefix of the history, so their events come before every hot row.
  const cold: TimelineEvent[] = [];
  for (const segment of await segmentsAfterSeq({ agentId, teamId, afterSeq })) {
    if (cold.length >= limit) break;
    for (const event of await readSegment(segment)) {
      if (event.seq > afterSeq && cold.length < limit) cold.push(fromCold(event));
    }
  }
  if (cold.length >= limit) return cold;
  const rows = await db.agentEvent.findMany({
    where: { agentId, teamId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit - cold.length,
    select: EVENT_FIELDS,
  });
  return withActorNames(teamId, [
    ...cold,
    ...rows.map((row): TimelineEvent => ({ ...row, costUsd: row.costUsd.toString(), actorName: null })),
  ]);
}

/** The agent's state now (world state, rolling summary) and its checkpoints, newest first. */
export async function agentState({ teamId, agentId }: { teamId: string; agentId: string }) {
  const agent = await db.agent.findFirst({
    where: { id: agentId, teamId },
    select: { worldState: true, summary: true, summaryThroughCycle: true, cycleCount: true },
  });
  if (!agent) throw notFound("That agent");
  const checkpoints = await db.snapshot.findMany({
    where: { agentId, teamId },
    orderBy: { cycle: "desc" },
    take: 500,
    select: { cycle: true, createdAt: true },
  });
  return { ...agent, checkpoints };
}

/** One checkpoint's world state and summary (the snapshot written at that cycle). */
export async function checkpointAt({ teamId, agentId, cycle }: { teamId: string; agentId: string; cycle: number }) {
  const snapshot = await db.snapshot.findFirst({
    where: { agentId, teamId, cycle },
    select: { cycle: true, worldState: true, summary: true, counters: true, createdAt: true },
  });
  if (!snapshot) throw notFound("That checkpoint");
  return snapshot;
}
