import { z } from "zod";

/**
 * Sub-agents (issue 23, docs/decisions/040): the `delegate` tool's input and limits. Plain data, safe
 * for the browser (the agent form shows the limits; the server enforces them).
 */
export const DELEGATION_LIMITS = {
  /** How deep a tree may grow: an agent a person made is depth 0; a child at this depth cannot delegate. */
  maxDepth: 3,
  /** Children of one agent alive at once, unless its `delegate` setting says otherwise (`maxChildren`). */
  defaultMaxChildren: 3,
  /** The most a `delegate` setting may allow at once. */
  maxChildrenCap: 10,
  /** Children one agent may start in its whole life: a loop that keeps delegating with new arguments ends here. */
  maxTotalChildren: 50,
  /** How long a waiting parent waits for its children, unless its `delegate` setting says otherwise (`timeoutSeconds`). */
  defaultTimeoutSeconds: 3600,
  minTimeoutSeconds: 10,
  maxTimeoutSeconds: 7 * 24 * 3600,
  /** A child's cycle limit when the task names none. */
  defaultChildCycles: 25,
  maxChildCycles: 1000,
} as const;

/** Why a child's limits do not change: they are what its parent carved out for it. */
export const CHILD_BUDGET_FIXED =
  "A child agent's budget was carved out of its parent's and cannot change; the parent can delegate again with a larger budget.";

/** Why an ended child does not start again (server/agents/control.ts startAgent; the agent page shows the same sentence). */
export const CHILD_ENDED_NO_RESTART =
  "This child agent has ended and its result went to its parent; it cannot run again. Fork it to go on as an agent of its own.";

/** The statuses in which a child has ended for its parent: its carve is settled and its result delivered. */
export const CHILD_ENDED_STATUSES = ["completed", "failed", "stopped", "budget_exhausted", "archived"] as const;

export const delegateTaskSchema = z.object({
  name: z.string().trim().min(1).max(40).optional().describe("A short name for the child (shown in the dashboard)"),
  goal: z.string().trim().min(10).max(4000).describe("What the child should achieve; it finishes with a result for you"),
  instructions: z.string().trim().max(8000).optional().describe("How it should work"),
  tools: z
    .array(z.string().min(1).max(100))
    .max(50)
    .optional()
    .describe("The tools it may use: a subset of yours (all of yours when left out)"),
  model: z.string().trim().min(1).max(100).optional().describe("A model of your provider (yours when left out)"),
  budgetUsd: z.number().positive().max(1_000_000).optional().describe("Money carved out of your budget for it (USD)"),
  budgetTokens: z.number().int().positive().max(2_000_000_000).optional().describe("Tokens carved out of your budget for it"),
  maxCycles: z.number().int().min(1).max(DELEGATION_LIMITS.maxChildCycles).optional().describe("Its cycle limit"),
});

export const delegateInputSchema = z.object({
  tasks: z
    .array(delegateTaskSchema)
    .min(1)
    .max(DELEGATION_LIMITS.maxChildrenCap)
    .describe("One child agent per task; they run in parallel"),
  wait: z
    .boolean()
    .default(true)
    .describe(
      "true: wait for all the children; their results are this call's result. false: go on; each child's result arrives as an event when it ends",
    ),
});
export type DelegateInput = z.output<typeof delegateInputSchema>;

/** What a parent's `delegate` setting may say beyond enabled and approval (shared/agent-input.ts toolSettingSchema). */
export const delegateSettingSchema = {
  maxChildren: z
    .number({ message: "Enter how many children may run at once." })
    .int({ message: "Enter a whole number of children." })
    .min(1, { message: "At least 1 child." })
    .max(DELEGATION_LIMITS.maxChildrenCap, { message: `At most ${DELEGATION_LIMITS.maxChildrenCap} children at once.` })
    .optional(),
  timeoutSeconds: z
    .number({ message: "Enter how long to wait, in seconds." })
    .int({ message: "Enter whole seconds." })
    .min(DELEGATION_LIMITS.minTimeoutSeconds, { message: `Wait at least ${DELEGATION_LIMITS.minTimeoutSeconds} seconds.` })
    .max(DELEGATION_LIMITS.maxTimeoutSeconds, { message: "Wait at most 7 days." })
    .optional(),
};

/** One child's end as its parent receives it: the call's result (wait) or an event (go on). */
export type ChildOutcome = {
  childId: string;
  name: string;
  status: string;
  /** Its `finish` result, when it called finish. */
  result: string | null;
  /** What its finish said (false when it ended without finishing). */
  isSuccess: boolean;
  /** Why it ended without finishing (failed, stopped, out of budget, its cycle limit), else null. */
  reason: string | null;
  /** A short account of its history: cycles, tools used, its rolling summary. */
  summary: string;
  cycles: number;
  spentUsd: string;
  tokensUsed: string;
};

/** A waiting delegate call's result: each child's outcome (a child deleted meanwhile says so), and how many its time ran out on. */
export type DelegatedResult = { children: (ChildOutcome | { childId: string; status: "deleted" })[]; timedOut?: number };

/** The children's outcomes as the parent's model reads them: one paragraph per child, its result or why it ended first. */
export function childOutcomesText(result: DelegatedResult): string {
  const lines = result.children.map((c) => {
    if (!("name" in c)) return `- child ${c.childId}: deleted before it ended.`;
    const head = `- "${c.name}" ${String(c.status ?? "unknown").replace("_", " ")}${c.status === "completed" ? (c.isSuccess ? " (success)" : " (not successful)") : ""}`;
    const said = c.result !== null ? `: ${c.result}` : c.reason ? ` (${c.reason})` : "";
    return `${head}${said}\n  ${c.summary}; spent $${c.spentUsd}`;
  });
  const timedOut = result.timedOut ? ` (${result.timedOut} stopped when the call's time ran out)` : "";
  return `${result.children.length} child agent${result.children.length === 1 ? "" : "s"} ended${timedOut}:\n${lines.join("\n")}`;
}

/** Whether a child agent has ended for its parent (its Start/Resume is refused with CHILD_ENDED_NO_RESTART). */
export function isEndedChild(agent: { parentId: string | null; status: string }) {
  return agent.parentId !== null && (CHILD_ENDED_STATUSES as readonly string[]).includes(agent.status);
}
