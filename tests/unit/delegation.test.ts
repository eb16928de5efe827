import { describe, expect, it } from "vitest";
import { childOutcomesText, delegateInputSchema, DELEGATION_LIMITS } from "~/shared/delegation";

describe("the delegate tool's input", () => {
  it("defaults to waiting and refuses what it cannot do, saying what", () => {
    expect(delegateInputSchema.parse({ tasks: [{ goal: "Read the sources and report." }] })).toEqual({
      tasks: [{ goal: "Read the sources and report." }],
      wait: true,
    });
    const tooMany = Array.from({ length: DELEGATION_LIMITS.maxChildrenCap + 1 }, () => ({ goal: "Read the sources and report." }));
    expect(delegateInputSchema.safeParse({ tasks: tooMany }).success).toBe(false);
    expect(delegateInputSchema.safeParse({ tasks: [] }).success).toBe(false);
    const shortGoal = delegateInputSchema.safeParse({ tasks: [{ goal: "Read" }] });
    expect(shortGoal.error?.issues[0]?.path).toEqual(["tasks", 0, "goal"]);
    expect(delegateInputSchema.safeParse({ tasks: [{ goal: "Read the sources and report.", budgetUsd: -1 }] }).success).toBe(false);
  });
});

describe("children's outcomes as the parent's model reads them", () => {
  it("gives each child's result, or why it ended without one, and how many the call's time ran out on", () => {
    const text = childOutcomesText({
      timedOut: 1,
      children: [
        {
          childId: "a",
          name: "P › alpha · 1.1",
          status: "completed",
          result: "Prices rose 4%.",
          isSuccess: true,
          reason: null,
          summary: "3 cycles; tools: http_get ×2",
          cycles: 3,
          spentUsd: "0.0021",
          tokensUsed: "900",
        },
        {
          childId: "b",
          name: "P › beta · 1.2",
          status: "budget_exhausted",
          result: null,
          isSuccess: false,
          reason: "The next model call could cost up to $0.001.",
          summary: "1 cycle; no tool calls",
          cycles: 1,
          spentUsd: "0",
          tokensUsed: "0",
        },
        { childId: "c", status: "deleted" },
      ],
    });
    expect(text).toBe(
      [
        "3 child agents ended (1 stopped when the call's time ran out):",
        '- "P › alpha · 1.1" completed (success): Prices rose 4%.',
        "  3 cycles; tools: http_get ×2; spent $0.0021",
        '- "P › beta · 1.2" budget exhausted (The next model call could cost up to $0.001.)',
        "  1 cycle; no tool calls; spent $0",
        "- child c: deleted before it ended.",
      ].join("\n"),
    );
  });
});
