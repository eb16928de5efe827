import { z } from "zod";
import { DEFAULT_MEMORY_SETTINGS, memorySettingsSchema } from "./memory-settings";
import { APPROVAL_POLICIES, TOOL_CATALOG, TOOL_NAMES } from "./tool-catalog";
import { delegateSettingSchema } from "./delegation";
import { EXPOSED_NAME_MAX, MCP_TOOL_NAME_PATTERN } from "./mcp-servers";
import { SIMULATOR_PROVIDER } from "./simulator-provider";

/**
 * The agent settings form, validated the same way in the browser (instant messages next to the
 * fields) and on the server (the check that counts). Plain zod: safe for client bundles.
 */
export const AGENT_LIMITS = {
  nameMax: 80,
  goalMax: 4000,
  instructionsMax: 20000,
  budgetUsdMax: 100000,
  budgetTokensMax: 10_000_000_000,
  budgetCyclesMax: 1_000_000,
  cooldownMinSeconds: 0,
  cooldownMaxSeconds: 7 * 24 * 3600,
  approvalTimeoutMinSeconds: 60,
  approvalTimeoutMaxSeconds: 30 * 24 * 3600,
  maxOutputTokensMax: 200_000,
  contextWindowMax: 10_000_000,
} as const;

/** The built-in scripted model's provider id, and how it is labelled wherever it appears. */
export { SIMULATOR_PROVIDER };
export const SIMULATOR_LABEL = "Simulator - scripted, no AI";
export const SUGGESTED_MODELS = ["simulator-1", "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "o4-mini"] as const;

const emptyToUndefined = (value: unknown) => (value === "" || value === null ? undefined : value);

const positiveMoney = z.preprocess(
  emptyToUndefined,
  z.coerce
    .number({ message: "Enter an amount in US dollars, e.g. 5 or 12.50." })
    .refine(Number.isFinite, { message: "Enter an amount in US dollars, e.g. 5 or 12.50." })
    .positive({ message: "The budget must be more than $0.", abort: true })
    .max(AGENT_LIMITS.budgetUsdMax, { message: `The budget can be at most $${AGENT_LIMITS.budgetUsdMax.toLocaleString("en-US")}.` })
    .refine((v) => /^\d+(\.\d{1,8})?$/.test(String(v)), { message: "Use at most 8 decimal places." }),
);

const optionalPositiveInt = (what: string, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: `Enter a whole number of ${what}, or leave it empty for no limit.` })
      .int({ message: `Enter a whole number of ${what}.` })
      .positive({ message: `The ${what} limit must be at least 1.` })
      .max(max, { message: `The ${what} limit can be at most ${max.toLocaleString("en-US")}.` })
      .optional(),
  );

const boundedInt = (label: string, min: number, max: number, unit: string) =>
  z.coerce
    .number({ message: `Enter ${label} as a whole number of ${unit}.` })
    .int({ message: `Enter ${label} as a whole number of ${unit}.` })
    .min(min, {
      message: min === 0 ? `${capitalize(label)} can't be negative.` : `${capitalize(label)} must be at least ${count(min, unit)}.`,
    })
    .max(max, { message: `${capitalize(label)} must be at most ${count(max, unit)}.` });

function count(n: number, unit: string) {
  return `${n.toLocaleString("en-US")} ${n === 1 && unit.endsWith("s") ? unit.slice(0, -1) : unit}`;
}

function capitalize(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A tool setting names a built-in tool or a tool of one of the team's MCP servers by the name the model
 * sees (`mcp_<slug>_<tool>`, shared/mcp-servers.ts); the server checks that an MCP name exists in the team.
 */
export const toolSettingSchema = z.object({
  name: z.union([z.enum(TOOL_NAMES), z.string().regex(MCP_TOOL_NAME_PATTERN).max(EXPOSED_NAME_MAX)], {
    error: () => "Unknown tool.",
  }),
  enabled: z.boolean(),
  approval: z.enum(APPROVAL_POLICIES, { message: "Choose never, always or first time." }),
  /**
   * http_get and http_request only (HOST_LIMITED_TOOLS): hosts it may reach, exact ("api.example.com") or
   * wildcard ("*.example.com"). Each tool has its own list; the outbound guard still refuses private addresses.
   */
  allowedHosts: z
    .array(
      z
        .string()
        .trim()
        .regex(/^(\*\.)?[a-z0-9.-]+$/i, { message: "Hosts look like api.example.com or *.example.com." }),
    )
    .max(50, { message: "At most 50 hosts." })
    .optional(),
  /** delegate only: how many children may run at once, and how long a waiting call waits for them (shared/delegation.ts). */
  ...delegateSettingSchema,
});

export const agentSettingsSchema = z.object({
  name: z
    .string({ message: "Give the agent a name." })
    .trim()
    .min(1, { message: "Give the agent a name." })
    .max(AGENT_LIMITS.nameMax, { message: `Names can be at most ${AGENT_LIMITS.nameMax} characters.` })
    .regex(/^[^\n\r\t]+$/, { message: "Names must fit on one line." }),
  goal: z
    .string({ message: "Describe what the agent should achieve." })
    .trim()
    .min(10, { message: "Describe the goal in at least 10 characters." })
    .max(AGENT_LIMITS.goalMax, { message: `Goals can be at most ${AGENT_LIMITS.goalMax} characters.` }),
  instructions: z
    .string()
    .trim()
    .max(AGENT_LIMITS.instructionsMax, { message: `Instructions can be at most ${AGENT_LIMITS.instructionsMax} characters.` })
    .default(""),
  provider: z.string().trim().min(1, { message: "Choose a model provider." }).default(SIMULATOR_PROVIDER),
  model: z
    .string({ message: "Choose a model." })
    .trim()
    .min(1, { message: "Choose a model." })
    .max(100, { message: "Model names can be at most 100 characters." })
    .regex(/^[\w.:/-]+$/, { message: "Model names use letters, digits and . : / - _ only." }),
  temperature: z.coerce
    .number({ message: "Enter a temperature between 0 and 2." })
    .min(0, { message: "Temperature must be between 0 and 2." })
    .max(2, { message: "Temperature must be between 0 and 2." })
    .default(0.2),
  maxOutputTokens: boundedInt("the reply limit", 16, AGENT_LIMITS.maxOutputTokensMax, "tokens").default(1024),
  /** Empty: the known model's context window (shared/model-catalog.ts), else 8,192 tokens. */
  contextWindow: z.preprocess(emptyToUndefined, boundedInt("the context window", 1024, AGENT_LIMITS.contextWindowMax, "tokens").optional()),
  budgetUsd: positiveMoney,
  budgetTokens: optionalPositiveInt("tokens", AGENT_LIMITS.budgetTokensMax),
  budgetCycles: optionalPositiveInt("cycles", AGENT_LIMITS.budgetCyclesMax),
  softLimitPercent: boundedInt("the soft limit", 1, 100, "percent").default(80),
  cooldownSeconds: boundedInt("the cooldown", AGENT_LIMITS.cooldownMinSeconds, AGENT_LIMITS.cooldownMaxSeconds, "seconds").default(60),
  approvalTimeoutSeconds: boundedInt(
    "the approval timeout",
    AGENT_LIMITS.approvalTimeoutMinSeconds,
    AGENT_LIMITS.approvalTimeoutMaxSeconds,
    "seconds",
  ).default(86400),
  approvalTimeoutPolicy: z
    .enum(["reject", "approve", "pause", "stop"], { message: "Choose what happens when nobody answers." })
    .default("reject"),
  // Stuck detection: the same call this many times in a row, or this many cycles without new information.
  stuckRepeatLimit: boundedInt("the repeat limit", 2, 100, "calls").default(3),
  stuckNoProgressCycles: boundedInt("the no-progress limit", 2, 10_000, "cycles").default(10),
  tools: z
    .array(toolSettingSchema)
    .refine((tools) => new Set(tools.map((t) => t.name)).size === tools.length, { message: "Each tool can appear only once." })
    .default(() => defaultToolSettings()),
  // The team channels send_message delivers to (issue 21); none: the outbox only.
  messageChannelIds: z
    .array(z.uuid({ message: "Choose channels from the list." }))
    .max(10, { message: "Send messages to at most 10 channels." })
    .refine((ids) => new Set(ids).size === ids.length, { message: "Each channel can appear only once." })
    .default([]),
  // Long-term memory: recall weights, recency half-life, the cap beyond which episodes are consolidated.
  memory: memorySettingsSchema.default(DEFAULT_MEMORY_SETTINGS),
  // Schedule: a cron expression (in the time zone) that wakes the agent; empty for none. The server
  // also parses it with cron-parser (server/agents/cron-expression.ts); here only its shape is checked.
  scheduleCron: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .max(100, { message: "Schedules can be at most 100 characters." })
      .regex(/^\S+(\s+\S+){4}$/, { message: "Write 5 fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5." })
      .optional(),
  ),
  scheduleTimezone: z
    .string()
    .trim()
    .min(1, { message: "Choose a time zone, e.g. UTC or Europe/Berlin." })
    .refine(isTimeZone, { message: "That time zone is not known. Use a name like UTC, Europe/Berlin or America/New_York." })
    .default("UTC"),
});

/** Whether the runtime (browser or Node) knows this IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export type AgentSettingsInput = z.input<typeof agentSettingsSchema>;
export type AgentSettings = z.output<typeof agentSettingsSchema>;

export function defaultToolSettings(): z.output<typeof toolSettingSchema>[] {
  return TOOL_CATALOG.map((tool) => ({ name: tool.name, enabled: !tool.risky, approval: tool.defaultApproval }));
}
