/** The agent form's state as typed, and how it maps to the settings the schema validates. */
import { defaultToolSettings, SIMULATOR_PROVIDER, type AgentSettingsInput } from "~/shared/agent-input";
import { HOST_LIMITED_TOOLS, TOOL_CATALOG } from "~/shared/tool-catalog";
import { DEFAULT_MEMORY_SETTINGS } from "~/shared/memory-settings";
import { isMcpToolName } from "~/shared/mcp-servers";

/** A tool's setting as the form holds it: the host list and, for `delegate`, its two numbers as typed. */
export type ToolState = ReturnType<typeof defaultToolSettings>[number] & {
  hostsText: string;
  maxChildrenText: string;
  timeoutText: string;
};
/**
 * An MCP tool's setting, by the name the model sees (`mcp_<slug>_<tool>`). Only tools a person has set
 * (or that were stored) have one; any other tool of the team's servers is off, at its default policy.
 */
export type McpToolState = { name: string; enabled: boolean; approval: ToolState["approval"] };

/** Every input as typed (strings), so a half-typed number is kept and explained, never coerced away. */
export type FormState = {
  name: string;
  goal: string;
  instructions: string;
  provider: string;
  model: string;
  temperature: string;
  maxOutputTokens: string;
  contextWindow: string;
  budgetUsd: string;
  budgetTokens: string;
  budgetCycles: string;
  softLimitPercent: string;
  cooldownSeconds: string;
  stuckRepeatLimit: string;
  stuckNoProgressCycles: string;
  approvalTimeoutSeconds: string;
  approvalTimeoutPolicy: "reject" | "approve" | "pause" | "stop";
  scheduleCron: string;
  scheduleTimezone: string;
  similarity: string;
  recency: string;
  frequency: string;
  importance: string;
  halfLifeHours: string;
  cap: string;
  onConsolidate: "archive" | "delete";
  tools: ToolState[];
  mcpTools: McpToolState[];
  /** The team channels send_message delivers to. */
  messageChannelIds: string[];
};

const str = (value: unknown, fallback = "") =>
  typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? String(value) : fallback;

/** The form's state for a set of settings (a template, an agent being edited, or the defaults). */
export function formStateOf(settings: Partial<AgentSettingsInput> & { name?: string }): FormState {
  const memory = settings.memory ?? {};
  const weights = { ...DEFAULT_MEMORY_SETTINGS.weights, ...(memory.weights ?? {}) };
  const savedTools = settings.tools ?? defaultToolSettings();
  return {
    name: str(settings.name),
    goal: str(settings.goal),
    instructions: str(settings.instructions),
    provider: str(settings.provider, SIMULATOR_PROVIDER),
    model: str(settings.model, "simulator-1"),
    temperature: str(settings.temperature, "0.2"),
    maxOutputTokens: str(settings.maxOutputTokens, "1024"),
    contextWindow: str(settings.contextWindow),
    budgetUsd: str(settings.budgetUsd, "5"),
    budgetTokens: str(settings.budgetTokens),
    budgetCycles: str(settings.budgetCycles),
    softLimitPercent: str(settings.softLimitPercent, "80"),
    cooldownSeconds: str(settings.cooldownSeconds, "60"),
    stuckRepeatLimit: str(settings.stuckRepeatLimit, "3"),
    stuckNoProgressCycles: str(settings.stuckNoProgressCycles, "10"),
    approvalTimeoutSeconds: str(settings.approvalTimeoutSeconds, "86400"),
    approvalTimeoutPolicy: settings.approvalTimeoutPolicy ?? "reject",
    scheduleCron: str(settings.scheduleCron),
    scheduleTimezone: str(settings.scheduleTimezone, "UTC"),
    similarity: str(weights.similarity),
    recency: str(weights.recency),
    frequency: str(weights.frequency),
    importance: str(weights.importance),
    halfLifeHours: str(memory.halfLifeHours, String(DEFAULT_MEMORY_SETTINGS.halfLifeHours)),
    cap: str(memory.cap, String(DEFAULT_MEMORY_SETTINGS.cap)),
    onConsolidate: memory.onConsolidate ?? DEFAULT_MEMORY_SETTINGS.onConsolidate,
    tools: TOOL_CATALOG.map((tool) => {
      const saved = savedTools.find((t) => t.name === tool.name) ?? { name: tool.name, enabled: false, approval: tool.defaultApproval };
      return {
        ...saved,
        hostsText: (saved.allowedHosts ?? []).join(", "),
        maxChildrenText: saved.maxChildren === undefined ? "" : String(saved.maxChildren),
        timeoutText: saved.timeoutSeconds === undefined ? "" : String(saved.timeoutSeconds),
      };
    }),
    mcpTools: savedTools
      .filter((t) => isMcpToolName(t.name))
      .map((t) => ({ name: t.name, enabled: t.enabled, approval: t.approval ?? "first_time" })),
    messageChannelIds: settings.messageChannelIds ?? [],
  };
}

/** What the schema validates: numbers still as typed (zod coerces and explains), nested where the schema nests. */
export function toInput(form: FormState): AgentSettingsInput {
  return {
    name: form.name,
    goal: form.goal,
    instructions: form.instructions,
    provider: form.provider,
    model: form.model,
    temperature: form.temperature,
    maxOutputTokens: form.maxOutputTokens,
    contextWindow: form.contextWindow,
    budgetUsd: form.budgetUsd,
    budgetTokens: form.budgetTokens,
    budgetCycles: form.budgetCycles,
    softLimitPercent: form.softLimitPercent,
    cooldownSeconds: form.cooldownSeconds,
    stuckRepeatLimit: form.stuckRepeatLimit,
    stuckNoProgressCycles: form.stuckNoProgressCycles,
    approvalTimeoutSeconds: form.approvalTimeoutSeconds,
    approvalTimeoutPolicy: form.approvalTimeoutPolicy,
    scheduleCron: form.scheduleCron,
    scheduleTimezone: form.scheduleTimezone,
    messageChannelIds: form.messageChannelIds,
    memory: {
      weights: {
        similarity: form.similarity,
        recency: form.recency,
        frequency: form.frequency,
        importance: form.importance,
      },
      halfLifeHours: form.halfLifeHours,
      cap: form.cap,
      onConsolidate: form.onConsolidate,
    },
    tools: [...form.tools.map(toolInput), ...form.mcpTools.map((t) => ({ name: t.name, enabled: t.enabled, approval: t.approval }))],
  };
}

/** A number field of a tool's setting: left empty, the default applies; anything else goes to the schema to judge. */
const typedNumber = (text: string) => (text.trim() === "" ? undefined : Number(text.trim()));

function toolInput({ hostsText, maxChildrenText, timeoutText, ...tool }: ToolState) {
  if (tool.name === "delegate")
    return {
      name: tool.name,
      enabled: tool.enabled,
      approval: tool.approval,
      maxChildren: typedNumber(maxChildrenText),
      timeoutSeconds: typedNumber(timeoutText),
    };
  return HOST_LIMITED_TOOLS.has(tool.name)
    ? {
        ...tool,
        allowedHosts: hostsText
          .split(/[\s,]+/)
          .map((h) => h.trim())
          .filter(Boolean),
      }
    : { name: tool.name, enabled: tool.enabled, approval: tool.approval };
}
