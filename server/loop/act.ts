import "server-only";
import { createHash } from "node:crypto";
import { db, type Prisma } from "../db/client";
import type { AgentStatus } from "../db/generated/enums";
import { direct, lockedOneTrip } from "../db/raw";
import { LOCKS } from "../db/locks";
import { writeSnapshot } from "../agents/events";
import { underAgentLock } from "../db/agent-lock";
import { markCycleDoneSet } from "../agents/sql";
import { commitSpend } from "../spend/budget";
import { executeToolCall } from "../tools/execute-tool";
import { getTool } from "../tools";
import { consolidateMemories } from "../memory/consolidate";
import { memorySummarizer } from "./summarize";
import { PENDING_EMBEDDER } from "../memory/memories";
import { readActState, recordToolResult } from "./sql";
import type { ApprovalSettlement } from "./approvals";
import { holdUnknownOutcome, type OutcomeResolution } from "./outcomes";
import type { CycleSession } from "./session";
import { awaitedChildren, requestRunsOnReplay } from "../delegation/wait";

/**
 * A cycle's action: the planned tool through the effect ledger, its result recorded with the cycle's
 * episode memory and the stuck-detection counters, the heartbeat and, every SNAPSHOT_EVERY_CYCLES,
 * the snapshot and memory consolidation.
 */
type Ids = { agentId: string; teamId: string };

/** A snapshot of the agent is written every this many cycles, by the act that ends the cycle. */
export const SNAPSHOT_EVERY_CYCLES = 10;

export type ActOutcome =
  | { next: "continue" }
  | { next: "end"; status: AgentStatus; reason: string }
  /** The call's outcome is unknown (its attempt died mid-call): a person decides (outcomes.ts), then `act` again with their resolution. */
  | { next: "hold"; approvalId: string }
  /**
   * A `delegate` call that waits: its children started; the run waits for the `pending` ones to end (until
   * `waitUntil`), then collects their results as the call's result (delegation.ts collectChildren).
   */
  | { next: "await_children"; childIds: string[]; pending: string[]; waitUntil: string };

type ActInput = Ids & {
  agentRunId: string;
  cycle: number;
  callEventSeq: number;
  approval: ApprovalSettlement | null;
  /** How a person settled this call's unknown outcome (retry it, it was done, skip it), when they did. */
  resolution?: OutcomeResolution | null;
  /** The call's result, already known: a waiting `delegate` call's children's results (delegation.ts). */
  supplied?: { status: "succeeded"; result: unknown } | null;
  /** The next cycle's step follows at once in this request: its think state is read with the result's write (the session's read-ahead). */
  nextFollows: boolean;
};

/** Execute the planned tool (through the effect ledger), record the result, heartbeat, checkpoint. */
export async function act(input: ActInput, session: CycleSession): Promise<ActOutcome> {
  return session.traced(input, () => actTraced(input, session));
}

async function actTraced(
  { agentId, teamId, agentRunId, cycle, callEventSeq, approval, resolution = null, supplied = null, nextFollows }: ActInput,
  session: CycleSession,
): Promise<ActOutcome> {
  const trace = session.trace;
  // The planned call, a result an earlier attempt recorded, and the world state before the tool: one
  // read, unless the think of this same step just wrote the call (the session's handoff).
  const handoff = session.takeHandoff({ agentRunId, cycle, callEventSeq });
  const state = handoff
    ? { call: handoff.call, result: null, worldState: handoff.worldState }
    : await readActState(direct, { agentId, teamId, cycle, callEventSeq });
  const { name, arguments: argumentsText } = state.call as { name: string; arguments: string };
  let result = (state.result ?? undefined) as { status: string; result?: unknown; error?: string; reason?: string } | undefined;
  let charge: { reservationId: bigint; costUsd: string } | undefined;
  let isCycleFinished = false;
  // This step runs again with the call's result recorded (a go-on delegate call): its children's runs are asked for again.
  if (result?.status === "succeeded") await requestRunsOnReplay(name, result.result, { agentId, teamId });
  if (!result) {
    if (supplied) {
      result = supplied;
    } else if (approval && !approval.approved) {
      result = { status: "rejected", error: "A person did not approve this action; it was not executed." };
    } else if (name === "ask_human") {
      result = { status: "succeeded", result: { answer: approval?.answer ?? null } };
    } else if (resolution?.kind === "done") {
      result = {
        status: "succeeded",
        result: { resolvedByPerson: true, note: "A person confirmed this call happened; its answer is not known." },
      };
    } else if (resolution?.kind === "skip") {
      result = { status: "skipped", error: "A person said this call did not happen; it was not repeated." };
    } else {
      // A retry a person asked for is a new call with a ledger key of its own (call index = attempt - 1).
      const attempt = resolution?.kind === "retry" ? resolution.attempt : 1;
      const toolEnd = trace?.begin("tool", `execute_tool ${name}`, {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": `${cycle}:${attempt - 1}`,
      });
      const outcome = await executeToolCall({ agentId, teamId, cycle, callIndex: attempt - 1, name, argumentsText });
      toolEnd?.({
        "longhaul.tool.status": outcome.status,
        ...("error" in outcome && outcome.error ? { "error.type": outcome.status } : {}),
      });
      if (outcome.status === "succeeded" && outcome.isReplay) await requestRunsOnReplay(name, outcome.result, { agentId, teamId });
      // A delegate call that waits: its children run now, and the call's result is theirs (recorded by collectChildren).
      const awaited = outcome.status === "succeeded" ? await awaitedChildren(name, outcome.result, { agentId, teamId }) : null;
      if (awaited) {
        session.dropReadAhead();
        return { next: "await_children", ...awaited };
      }
      if (outcome.status === "unknown") {
        // Never repeated silently: a person decides. The reservation of a priced call stays (it may have been made).
        const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { approvalTimeoutSeconds: true } });
        session.dropReadAhead();
        const approvalId = await holdUnknownOutcome({
          agentId,
          teamId,
          agentRunId,
          cycle,
          toolName: name,
          argumentsText,
          attempt,
          approvalTimeoutSeconds: agent.approvalTimeoutSeconds,
        });
        return { next: "hold", approvalId };
      }
      charge = outcome.charge;
      result =
        outcome.status === "succeeded"
          ? { status: outcome.status, result: outcome.result }
          : outcome.status === "refused"
            ? { status: outcome.status, error: outcome.error, reason: outcome.reason }
            : {
                status: outcome.status,
                error: "error" in outcome ? outcome.error : "outcome unknown",
                // An MCP tool's answer marked as an error: the timeline shows what the server sent.
                ...("result" in outcome && outcome.result !== undefined ? { result: outcome.result } : {}),
              };
    }
    const recorded = result;
    const resultHash = recorded.status === "succeeded" ? hashOf({ name, result: recorded.result }) : null;
    // The result event, the cycle's episode (what was done and what came of it, for recall in later
    // cycles), the stuck-detection counters, cycle counter and heartbeat: one statement. It decides
    // whether the result is new information (the world state changed, or a successful result not seen
    // in the last cycles), and writes nothing if an overlapping copy of this step recorded the result
    // meanwhile: that one stands.
    const resultInput = {
      agentId,
      teamId,
      runId: agentRunId,
      cycle,
      worldStateBefore: state.worldState,
      resultHash,
      payload: { name, ...recorded, resultHash, ...(charge ? { costUsd: charge.costUsd } : {}) } as Prisma.InputJsonValue,
      costUsd: charge?.costUsd,
      memory: {
        content: episodeText({ cycle, name, argumentsText, result: recorded }),
        importance: { ifNew: episodeImportance(name, recorded.status, true), ifNotNew: episodeImportance(name, recorded.status, false) },
        embedder: PENDING_EMBEDDER,
      },
      signature: callSignature(name, argumentsText),
    };
    // Without a charge to commit with it, that statement is the whole write: under the agent lock in ONE
    // round trip, which also reads the next cycle's think state when that cycle follows at once and
    // nothing more is written after this (not on a snapshot cycle).
    const next =
      nextFollows && cycle % SNAPSHOT_EVERY_CYCLES !== 0 ? session.readAhead({ agentId, teamId, agentRunId, cycle: cycle + 1 }) : undefined;
    const writeEnd = trace?.begin("write", "record the result and checkpoint");
    const quick = charge ? null : await recordToolResult(lockedOneTrip(LOCKS.agentStep(agentId), next), resultInput);
    if (quick && !quick.raced) isCycleFinished = true;
    // An overlapping copy recorded the result first: what it wrote stands, and its own act read for the next cycle.
    else session.dropReadAhead();
    result = quick
      ? quick.raced
        ? (quick.raced.payload as { status: string; result?: unknown; error?: string })
        : recorded
      : await underAgentLock(agentId, async (tx) => {
          const outcome = await recordToolResult(tx, resultInput);
          if (outcome.raced) {
            if (charge) await commitSpend({ agentId, teamId, ...charge, tokensIn: 0, tokensOut: 0, eventId: outcome.raced.id }, tx);
            return outcome.raced.payload as { status: string; result?: unknown; error?: string };
          }
          // A priced tool's charge lands in the ledger with its result.
          if (charge) await commitSpend({ agentId, teamId, ...charge, tokensIn: 0, tokensOut: 0, eventId: outcome.recorded.id }, tx);
          isCycleFinished = true;
          return recorded;
        });
    writeEnd?.();
  }
  if (!isCycleFinished) await markCycleDone({ agentId, teamId, cycle });
  if (cycle % SNAPSHOT_EVERY_CYCLES === 0) {
    // With it (independent: the snapshot is the agent row's), over its memory cap, the agent's weakest
    // episodes are consolidated into summaries.
    await Promise.all([
      writeSnapshot({ agentId, teamId, cycle }),
      consolidateMemories({ agentId, teamId, summarize: memorySummarizer({ agentId, teamId, cycle }) }),
    ]);
  }

  if (result.status === "over_budget") return { next: "end", status: "budget_exhausted", reason: result.error ?? "Out of budget." };
  const finished = result.status === "succeeded" && (result.result as { finished?: boolean } | undefined)?.finished === true;
  if (finished) return { next: "end", status: "completed", reason: String((result.result as { result?: string }).result ?? "Finished.") };
  return { next: "continue" };
}

function episodeText({
  cycle,
  name,
  argumentsText,
  result,
}: {
  cycle: number;
  name: string;
  argumentsText: string;
  result: { status: string; result?: unknown; error?: string };
}) {
  const outcome = result.status === "succeeded" ? JSON.stringify(result.result ?? null) : (result.error ?? "");
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
  return `Cycle ${cycle}: ${name}(${clip(argumentsText, 300)}) ${result.status}: ${clip(outcome, 500)}`;
}

/** A write-time importance heuristic: outcomes that changed something or needed a person matter more. */
function episodeImportance(name: string, status: string, isNew: boolean): number {
  if (name === "finish" || name === "ask_human") return 0.9;
  if (status !== "succeeded") return 0.6;
  if (getTool(name)?.sideEffect === "side-effecting") return 0.7;
  return isNew ? 0.5 : 0.2;
}

/** A tool call's identity for repeat detection: its name and its arguments with keys in a fixed order. */
function callSignature(name: string, argumentsText: string): string {
  try {
    return `${name}:${stableJson(JSON.parse(argumentsText))}`;
  } catch {
    return `${name}:${argumentsText}`;
  }
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 32);
}

export async function markCycleDone({ agentId, teamId, cycle }: Ids & { cycle: number }) {
  // One statement: counters and heartbeat always; "sleeping" only over statuses the loop owns.
  await db.$executeRaw`UPDATE agent SET ${markCycleDoneSet(cycle)} WHERE id = ${agentId}::uuid AND "teamId" = ${teamId}`;
}
