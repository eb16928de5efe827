import "server-only";
import { logger } from "../logger";
import { annotateSpan, withSpan } from "../operations/tracing";
import { act, markCycleDone, type ActOutcome } from "./act";
import type { Decision } from "./plan";
import type { CycleSession } from "./session";
import { think } from "./think";

type Ids = { agentId: string; teamId: string };

export type CycleResult = { decision: Decision; outcome: ActOutcome | null };

/**
 * An ordinary cycle in one step: think, and when the plan needs nobody's approval, act (or record the
 * idle cycle) right away. Held and approval-waiting cycles return after thinking; the function waits
 * outside any step. Both halves find what an earlier attempt recorded, so a retry is safe.
 */
export async function runCycle(
  input: Ids & {
    agentRunId: string;
    cycle: number;
    /** The next cycle's step follows in the same request (no cooldown, not the run's last cycle). */
    nextFollows: boolean;
  },
  /** The request's session (session.ts): what this step's think hands its act, and what the act reads ahead for the next cycle. */
  session: CycleSession,
): Promise<CycleResult> {
  const { agentId, teamId, agentRunId: runId, cycle } = input;
  return withSpan("agent.cycle", { "agent.id": agentId, "team.id": teamId, "run.id": runId, cycle }, async () => {
    const started = performance.now();
    const result = await session.traced({ agentId, teamId, agentRunId: runId, cycle }, () => thinkAndAct(input, session));
    const outcome = result.outcome?.next ?? null;
    annotateSpan({ decision: result.decision.kind });
    logger
      .child({ agentId, teamId, runId, cycle })
      .info({ decision: result.decision.kind, outcome, durationMs: Math.round(performance.now() - started) }, "cycle finished");
    return result;
  });
}

async function thinkAndAct(
  input: Ids & { agentRunId: string; cycle: number; nextFollows: boolean },
  session: CycleSession,
): Promise<CycleResult> {
  const { nextFollows, ...ids } = input;
  const decision = await think(ids, session);
  if (decision.kind === "idle") {
    await idleCycle(input);
    return { decision, outcome: null };
  }
  if (decision.kind !== "act" || decision.approvalId) return { decision, outcome: null };
  const outcome = await act({ ...ids, callEventSeq: decision.callEventSeq, approval: null, nextFollows }, session);
  return { decision, outcome };
}

/** A cycle without an action (model error, no or invalid tool call) still counts and heartbeats. */
async function idleCycle({ agentId, teamId, cycle }: Ids & { cycle: number }) {
  await markCycleDone({ agentId, teamId, cycle });
}
