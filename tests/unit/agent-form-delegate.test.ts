import { describe, expect, it } from "vitest";
import { formStateOf, toInput } from "~/components/agents/form/form-state";
import { agentSettingsSchema } from "~/shared/agent-input";

/** The agent form's `delegate` settings: kept through an edit, and judged with clear errors. */
const base = { name: "Planner", goal: "Plan the reading and hand parts of it to helpers.", model: "simulator-1", budgetUsd: 5 };
const delegateIndex = (state: ReturnType<typeof formStateOf>) => state.tools.findIndex((t) => t.name === "delegate");

function withDelegate(maxChildrenText: string, timeoutText: string) {
  const state = formStateOf(base);
  const index = delegateIndex(state);
  state.tools[index] = { ...state.tools[index]!, enabled: true, maxChildrenText, timeoutText };
  return { input: toInput(state), index };
}

describe("agent form: delegate settings", () => {
  it("keeps a saved maxChildren and timeoutSeconds through the form (an edit does not drop them)", () => {
    const state = formStateOf({
      ...base,
      tools: [{ name: "delegate", enabled: true, approval: "never", maxChildren: 4, timeoutSeconds: 120 }],
    });
    const tool = state.tools[delegateIndex(state)]!;
    expect([tool.maxChildrenText, tool.timeoutText]).toEqual(["4", "120"]);
    const parsed = agentSettingsSchema.parse(toInput(state));
    expect(parsed.tools.find((t) => t.name === "delegate")).toMatchObject({ enabled: true, maxChildren: 4, timeoutSeconds: 120 });
  });

  it("leaves them out when empty (the defaults apply)", () => {
    const parsed = agentSettingsSchema.parse(withDelegate("", "").input);
    const tool = parsed.tools.find((t) => t.name === "delegate")!;
    expect(tool.maxChildren).toBeUndefined();
    expect(tool.timeoutSeconds).toBeUndefined();
  });

  it.each([
    ["11", "60", "maxChildren", "At most 10 children at once."],
    ["0", "60", "maxChildren", "At least 1 child."],
    ["two", "60", "maxChildren", "Enter how many children may run at once."],
    ["1.5", "60", "maxChildren", "Enter a whole number of children."],
    ["2", "5", "timeoutSeconds", "Wait at least 10 seconds."],
    ["2", "999999999", "timeoutSeconds", "Wait at most 7 days."],
  ])("maxChildren %s, timeout %s: an error on %s saying %s", (max, timeout, field, message) => {
    const { input, index } = withDelegate(max, timeout);
    const result = agentSettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join(".") === `tools.${index}.${field}`);
    expect(issue?.message).toBe(message);
  });
});
