import type { AgentSettingsInput } from "./agent-input";
import { defaultToolSettings } from "./agent-input";
import type { ApprovalPolicy } from "./tool-catalog";

/**
 * Starting points for the create form: a template fills the settings a kind of agent needs (tools
 * and their approvals, pacing, budget, stuck limits, schedule); people still name it and can change
 * anything. Plain data, safe for the browser.
 */
export type AgentTemplate = {
  id: string;
  label: string;
  description: string;
  settings: Omit<AgentSettingsInput, "name">;
};

type ToolChoice = { enabled: boolean; approval?: ApprovalPolicy; allowedHosts?: string[] };

/** The tools every template's agent has (with their default approval): its world state, remembering, recalling, finishing. */
const ALWAYS: Record<string, ToolChoice> = {
  update_world_state: { enabled: true },
  remember: { enabled: true },
  search_memory: { enabled: true },
  finish: { enabled: true },
};

/** The template's tools: those in ALWAYS and `choices` enabled (with their approval), every other one off. */
function tools(choices: Partial<Record<string, ToolChoice>>) {
  return defaultToolSettings().map((tool) => {
    const choice = choices[tool.name] ?? ALWAYS[tool.name];
    return choice ? { ...tool, ...choice, approval: choice.approval ?? tool.approval } : { ...tool, enabled: false };
  });
}

export const AGENT_TEMPLATES: AgentTemplate[] = [
  {
    id: "simulator-tour",
    label: "Try it: simulator tour",
    description: "Runs on the built-in simulator (no key, no AI): walks through memory, an approval, a question and finishing.",
    settings: {
      goal: "Show how a long-running agent works: keep notes, remember facts, ask before sending, and finish.",
      model: "simulator-1",
      budgetUsd: 1,
      cooldownSeconds: 0,
      tools: tools({
        send_message: { enabled: true, approval: "always" },
        ask_human: { enabled: true },
      }),
    },
  },
  {
    id: "page-watcher",
    label: "Page watcher",
    description:
      "Checks a web page every hour and tells the team when something changes. Mostly quiet, so it is slow to call itself stuck.",
    settings: {
      goal: "Check https://example.com/pricing every hour and send the team a message when the prices or plans change.",
      instructions: "Compare with what you remembered last time. Only send a message when something really changed, and say what.",
      model: "gpt-4o-mini",
      budgetUsd: 5,
      cooldownSeconds: 3600,
      stuckNoProgressCycles: 500,
      tools: tools({
        http_get: { enabled: true, approval: "never", allowedHosts: ["example.com"] },
        send_message: { enabled: true, approval: "first_time" },
      }),
    },
  },
  {
    id: "weekly-digest",
    label: "Weekly research digest",
    description: "Collects what it learns during the week and sends a digest on Monday mornings; every message is approved first.",
    settings: {
      goal: "Follow news about open-source AI agent frameworks and send the team a short digest of what mattered each week.",
      instructions: "Keep one fact per project (latest release, notable change). Write digests of at most ten bullet points.",
      model: "gpt-4o-mini",
      budgetUsd: 10,
      cooldownSeconds: 6 * 3600,
      stuckNoProgressCycles: 200,
      scheduleCron: "0 9 * * 1",
      scheduleTimezone: "UTC",
      memory: { weights: { recency: 1 }, halfLifeHours: 168 },
      tools: tools({
        http_get: { enabled: true, approval: "never", allowedHosts: ["github.com", "*.github.com"] },
        send_message: { enabled: true, approval: "always" },
        ask_human: { enabled: true },
      }),
    },
  },
  {
    id: "follow-up",
    label: "Follow-up assistant",
    description: "Works through a list of open items, asks a person when unsure, and checks in before anything leaves the team.",
    settings: {
      goal: "Work through the open follow-ups in the world state, draft each reply, and ask before sending anything.",
      model: "gpt-4o-mini",
      budgetUsd: 3,
      cooldownSeconds: 300,
      approvalTimeoutSeconds: 8 * 3600,
      approvalTimeoutPolicy: "pause",
      tools: tools({
        send_message: { enabled: true, approval: "always" },
        ask_human: { enabled: true },
      }),
    },
  },
];
