import { describe, expect, it } from "vitest";
import { z } from "zod";
import { agentSettingsSchema, defaultToolSettings } from "~/shared/agent-input";

const valid = { name: "Watcher", goal: "Watch the pricing pages every day.", model: "simulator-1", budgetUsd: "5" };

function fieldErrors(input: Record<string, unknown>) {
  const result = agentSettingsSchema.safeParse(input);
  return result.success ? {} : z.flattenError(result.error).fieldErrors;
}

describe("agent settings", () => {
  it("fills sensible defaults and coerces form strings", () => {
    const parsed = agentSettingsSchema.parse({ ...valid, budgetTokens: "", budgetCycles: "250", cooldownSeconds: "30" });
    expect(parsed).toMatchObject({
      budgetUsd: 5,
      budgetTokens: undefined,
      budgetCycles: 250,
      cooldownSeconds: 30,
      softLimitPercent: 80,
      approvalTimeoutSeconds: 86400,
      approvalTimeoutPolicy: "reject",
      stuckRepeatLimit: 3,
      stuckNoProgressCycles: 10,
      provider: "simulator",
      instructions: "",
    });
    expect(parsed.tools).toEqual(defaultToolSettings());
    // Risky tools start disabled and always need approval.
    expect(parsed.tools.find((t) => t.name === "http_get")).toEqual({ name: "http_get", enabled: false, approval: "always" });
  });

  it.each([
    [{ budgetUsd: "" }, "budgetUsd", "Enter an amount in US dollars, e.g. 5 or 12.50."],
    [{ budgetUsd: "abc" }, "budgetUsd", "Enter an amount in US dollars, e.g. 5 or 12.50."],
    [{ budgetUsd: "0.000000001" }, "budgetUsd", "Use at most 8 decimal places."],
    [{ budgetUsd: "100001" }, "budgetUsd", "The budget can be at most $100,000."],
    [{ budgetCycles: "0" }, "budgetCycles", "The cycles limit must be at least 1."],
    [{ cooldownSeconds: "-1" }, "cooldownSeconds", "The cooldown can't be negative."],
    [{ approvalTimeoutSeconds: "10" }, "approvalTimeoutSeconds", "The approval timeout must be at least 60 seconds."],
    [{ model: "gpt 4" }, "model", "Model names use letters, digits and . : / - _ only."],
    [{ name: "a".repeat(81) }, "name", "Names can be at most 80 characters."],
    [{ name: "two\nlines" }, "name", "Names must fit on one line."],
    [{ temperature: "3" }, "temperature", "Temperature must be between 0 and 2."],
    [{ approvalTimeoutPolicy: "ignore" }, "approvalTimeoutPolicy", "Choose what happens when nobody answers."],
    [{ stuckRepeatLimit: "1" }, "stuckRepeatLimit", "The repeat limit must be at least 2 calls."],
    [{ stuckNoProgressCycles: "2.5" }, "stuckNoProgressCycles", "Enter the no-progress limit as a whole number of cycles."],
    [{ stuckNoProgressCycles: "20000" }, "stuckNoProgressCycles", "The no-progress limit must be at most 10,000 cycles."],
  ])("%o is rejected on %s", (override, field, message) => {
    const errors: Record<string, string[] | undefined> = fieldErrors({ ...valid, ...override });
    expect(errors[field]?.[0]).toBe(message);
  });

  it("rejects unknown and duplicated tools", () => {
    expect(fieldErrors({ ...valid, tools: [{ name: "rm_rf", enabled: true, approval: "never" }] }).tools).toBeDefined();
    const twice = [
      { name: "remember", enabled: true, approval: "never" },
      { name: "remember", enabled: false, approval: "always" },
    ];
    expect(fieldErrors({ ...valid, tools: twice }).tools).toEqual(["Each tool can appear only once."]);
  });
});
