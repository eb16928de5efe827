import "server-only";
import type { Prisma } from "../db/client";
import { direct } from "../db/raw";
import { parseRows } from "../db/rows";
import { readThinkState, thinkStateOf, thinkStateRow, thinkStateSql, type ThinkState, type ThinkStateRow } from "./sql";
import type { ToolCall } from "./plan";
import { CycleTraceRecorder } from "./trace-recorder";
import { writeCycleTrace } from "./trace-store";

type CycleIds = { agentId: string; teamId: string; agentRunId: string; cycle: number };

/** What a think that just planned a call (one nobody must approve) knows about it, for the act right after it. */
export type ActHandoff = {
  /** The call's event: the act it was planned for takes it, no other. */
  callEventSeq: number;
  call: ToolCall;
  /** The world state as of the thought (jsonb text); no result can be recorded yet (an overlapping copy's is found by act's write). */
  worldState: string;
};

/**
 * How old a think state read ahead by an act may be when the next cycle takes it: never older than a
 * read made a moment before that cycle's step would be (a person's pause landing in between takes
 * effect at the next think, as one landing just after the read does).
 */
const READ_AHEAD_MAX_AGE_MS = 250;

/**
 * The loop's fast paths, behind one interface: what one request's steps hand each other instead of
 * reading the database again. The Inngest function opens one per request (inngest/functions/
 * agent-run.ts) and passes it to every step it runs; a step of another request, a retried step or a
 * test starts from an empty session and reads what it needs. Nothing here outlives the request, and
 * every entry is taken once, by the one run, cycle and call it was made for.
 *
 * - Within a cycle step: the think that planned a call nobody must approve hands the act the call and
 *   the world state (`handOff` / `takeHandoff`), so the act does not read them back.
 * - Between cycle steps that follow at once (no cooldown): the act that ends a cycle reads the next
 *   cycle's think state in the same round trip as its write (`readAhead`), and that cycle's think takes
 *   it (`thinkState`) instead of reading again, within READ_AHEAD_MAX_AGE_MS.
 */
export class CycleSession {
  private handoff: (ActHandoff & { agentRunId: string; cycle: number }) | null = null;
  private openTrace: CycleTraceRecorder | null = null;

  /**
   * Runs a step's part of a cycle (its think, its act) with the cycle's trace recorder open, and writes
   * what it recorded when the outermost part ends (server/traces): the act inside a cycle step adds to
   * the think's recorder; an act of its own step (after an approval) writes its own.
   */
  async traced<T>(ids: CycleIds, fn: () => Promise<T>): Promise<T> {
    const open = this.openTrace;
    if (open && open.ids.agentRunId === ids.agentRunId && open.ids.cycle === ids.cycle) return fn();
    const recorder = new CycleTraceRecorder(ids);
    this.openTrace = recorder;
    try {
      return await fn();
    } finally {
      this.openTrace = open;
      await writeCycleTrace(recorder);
    }
  }

  /** The open cycle's trace recorder (inside `traced`), else null. */
  get trace(): CycleTraceRecorder | null {
    return this.openTrace;
  }
  private readAheadRow: { agentRunId: string; cycle: number; row: ThinkStateRow; at: number } | null = null;

  /** The think state of a cycle: the one the previous cycle's act read ahead for it, else read now (one statement, sql.ts). */
  async thinkState(ids: CycleIds): Promise<ThinkState> {
    const ahead = this.readAheadRow;
    this.readAheadRow = null;
    if (ahead && ahead.agentRunId === ids.agentRunId && ahead.cycle === ids.cycle && performance.now() - ahead.at <= READ_AHEAD_MAX_AGE_MS)
      return thinkStateOf(ahead.row);
    return readThinkState(direct, ids);
  }

  /**
   * For the act that ends a cycle whose next cycle follows at once: the next cycle's think-state
   * statement to send along with the act's write (the same transaction, so it sees that write), and
   * where its row goes.
   */
  readAhead(next: CycleIds): { sql: Prisma.Sql; take: (rows: Record<string, unknown>[]) => void } {
    return {
      sql: thinkStateSql(next),
      take: (rows) => {
        const [row] = parseRows(thinkStateRow, rows);
        this.readAheadRow = row ? { agentRunId: next.agentRunId, cycle: next.cycle, row, at: performance.now() } : null;
      },
    };
  }

  /** Drops a read-ahead state: an overlapping copy of the step recorded the result first, and its own act read for the next cycle. */
  dropReadAhead() {
    this.readAheadRow = null;
  }

  /** Hands the act of this cycle what the think that planned its call knows. */
  handOff(ids: Pick<CycleIds, "agentRunId" | "cycle">, handoff: ActHandoff) {
    this.handoff = { ...handoff, agentRunId: ids.agentRunId, cycle: ids.cycle };
  }

  /** What the think handed this act, if it planned this very call; taken once. */
  takeHandoff(ids: Pick<CycleIds, "agentRunId" | "cycle"> & { callEventSeq: number }): ActHandoff | null {
    const handoff = this.handoff;
    this.handoff = null;
    if (!handoff || handoff.agentRunId !== ids.agentRunId || handoff.cycle !== ids.cycle || handoff.callEventSeq !== ids.callEventSeq)
      return null;
    return { callEventSeq: handoff.callEventSeq, call: handoff.call, worldState: handoff.worldState };
  }
}

/** A new, empty session: one per request of the agent-run function (and one per call in tests). */
export function openCycleSession(): CycleSession {
  return new CycleSession();
}
