import type { AgentSettingsInput } from "~/shared/agent-input";

let counter = 0;

export function agentInput(overrides: Partial<AgentSettingsInput> = {}): AgentSettingsInput {
  counter += 1;
  return {
    name: `Research agent ${counter}-${Date.now()}`,
    goal: "Track competitor pricing pages and summarise changes every day.",
    model: "simulator-1",
    budgetUsd: 5,
    ...overrides,
  };
}
