import "server-only";
import { listCycles } from "../agents/timeline";
import { treeNote } from "../agents/agent-tree";
import type { AgentStatus } from "../db/generated/enums";
import { isOutsideCycleEvent } from "../../shared/event-text";
import { REDACTED, redactEvent, type SharedEvent } from "./redact";
import { resolveShareLink } from "./share-links";

/** Cycles on one page of a shared history. */
export const SHARED_CYCLES_PER_PAGE = 20;

export type SharedTimeline = {
  agent: {
    name: string;
    goal: string;
    status: AgentStatus;
    statusReason: string | null;
    cycleCount: number;
    lastActiveAt: Date | null;
    createdAt: Date;
    /** Sub-agents (issue 23): the page shows this agent only; it says how many sub-agents it leaves out. */
    subAgents: number;
    hasParent: boolean;
  };
  redaction: { redactToolData: boolean; redactMemories: boolean };
  expiresAt: Date | null;
  /** Each event says whether it happened outside the loop's cycle (a person's pause, a raise): shown as a row of its own. */
  cycles: { cycle: number; events: (SharedEvent & { isOutsideCycle: boolean })[] }[];
  /** Pass as `beforeCycle` for the next (older) page; null on the last page. */
  nextBeforeCycle: number | null;
  /** Cycles up to here lost their history to the cold retention policy (docs/decisions/016). */
  historyDeletedThroughCycle: number | null;
};

/**
 * One page of an agent's history as a share link shows it, to anyone holding the token: the agent's
 * name, goal and status, and its cycles newest first with every event passed through the link's
 * redaction. Only what `redactEvent` builds leaves this function.
 */
export async function getSharedTimeline({
  token,
  beforeCycle,
  cycles = SHARED_CYCLES_PER_PAGE,
}: {
  token: unknown;
  beforeCycle?: number;
  cycles?: number;
}): Promise<SharedTimeline> {
  const { link, agent } = await resolveShareLink(token);
  const tree = await treeNote({ agentId: link.agentId, teamId: link.teamId });
  const redaction = { redactToolData: link.redactToolData, redactMemories: link.redactMemories };
  const page = await listCycles({ teamId: link.teamId, agentId: link.agentId, beforeCycle, cycles });
  return {
    agent: {
      name: agent.name,
      goal: agent.goal,
      status: agent.status,
      // A completed agent's reason is its `finish` result, which is tool data.
      statusReason: link.redactToolData && agent.statusReason ? REDACTED : agent.statusReason,
      cycleCount: agent.cycleCount,
      lastActiveAt: agent.lastActiveAt,
      createdAt: agent.createdAt,
      subAgents: tree.subAgents,
      hasParent: tree.hasParent,
    },
    redaction,
    expiresAt: link.expiresAt,
    cycles: page.cycles.map(({ cycle, events }) => ({
      cycle,
      events: events.map((event) => ({
        ...redactEvent(event, redaction),
        isOutsideCycle: cycle === 0 || isOutsideCycleEvent(event.type, event.payload),
      })),
    })),
    nextBeforeCycle: page.nextBeforeCycle,
    historyDeletedThroughCycle: page.historyDeletedThroughCycle,
  };
}
