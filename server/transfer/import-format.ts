import "server-only";
import { z } from "zod";
import type { Prisma } from "../db/client";
import { AppError } from "../errors";
import { EMBEDDING_DIMENSIONS } from "../memory/hash-embedding";
import { AGENT_LIMITS, agentSettingsSchema, SIMULATOR_PROVIDER, type AgentSettingsInput } from "../../shared/agent-input";
import { memorySettingsOf } from "../../shared/memory-settings";
import { EXPORT_KIND, EXPORT_VERSION } from "./export";

/**
 * The import side of the export format (server/transfer/export.ts): every line is checked with zod,
 * and the first problem is reported with its line number ("Line 12: …"). Nothing is written before
 * the whole file has passed (server/transfer/import.ts).
 */

const date = z.iso.datetime({ offset: true, message: "must be an ISO date-time" });
const nullableDate = date.nullable().optional();
const decimal = z.string().regex(/^-?\d{1,10}(\.\d{1,8})?$/, { message: "must be a decimal amount" });
const json = z.unknown().transform((v) => (v ?? null) as Prisma.InputJsonValue | null);

const header = z.object({ kind: z.literal(EXPORT_KIND), version: z.number().int(), exportedAt: date });
const agentLine = z.object({
  kind: z.literal("agent"),
  name: z.string().trim().min(1).max(AGENT_LIMITS.nameMax),
  goal: z.string().max(AGENT_LIMITS.goalMax),
  instructions: z.string().max(AGENT_LIMITS.instructionsMax).default(""),
  statusReason: z.string().max(2000).nullable().optional(),
  model: z.string().max(100),
  temperature: z.number().min(0).max(2),
  maxOutputTokens: z.number().int().positive().optional(),
  contextWindow: z.number().int().positive().nullable().optional(),
  tools: json,
  budgetUsd: decimal.nullable(),
  budgetTokens: z
    .string()
    .regex(/^\d{1,18}$/)
    .nullable(),
  budgetCycles: z.number().int().positive().nullable(),
  softLimitPercent: z.number().int().min(1).max(100),
  cooldownSeconds: z.number().int().min(0),
  approvalTimeoutSeconds: z.number().int().min(0),
  approvalTimeoutPolicy: z.enum(["reject", "approve", "pause", "stop"]),
  scheduleCron: z.string().max(100).nullable().optional(),
  scheduleTimezone: z.string().max(100).default("UTC"),
  memorySettings: json,
  worldState: json,
  summary: z.string(),
  summaryThroughCycle: z.number().int().min(0),
  cycleCount: z.number().int().min(0),
  spentUsd: decimal,
  tokensUsed: z.string().regex(/^\d{1,18}$/),
  lastActiveAt: nullableDate,
  createdAt: date,
});
const eventLine = z.object({
  kind: z.literal("event"),
  seq: z.number().int().positive(),
  cycle: z.number().int().min(0),
  type: z.enum([
    "thought",
    "tool_call",
    "tool_result",
    "observation",
    "approval_requested",
    "approval_decided",
    "budget",
    "summary",
    "error",
    "status_change",
    "message",
    "trigger",
  ]),
  stepId: z.string().max(500).nullable().optional(),
  payload: json,
  tokensIn: z.number().int().min(0),
  tokensOut: z.number().int().min(0),
  costUsd: decimal,
  durationMs: z.number().int().min(0).nullable().optional(),
  createdAt: date,
});
const snapshotLine = z.object({
  kind: z.literal("snapshot"),
  cycle: z.number().int().min(0),
  eventSeq: z.number().int().min(0),
  worldState: json,
  summary: z.string(),
  counters: json,
  createdAt: date,
});
const memoryLine = z.object({
  kind: z.literal("memory"),
  memoryKind: z.enum(["episode", "fact", "summary", "reflection"]),
  content: z.string().max(100_000),
  embedding: z
    .array(z.number().finite())
    .length(EMBEDDING_DIMENSIONS, { message: `must have ${EMBEDDING_DIMENSIONS} numbers` })
    .nullable(),
  embedder: z.string().max(200),
  importance: z.number().min(0).max(1),
  recallCount: z.number().int().min(0),
  lastRecalledAt: nullableDate,
  isPinned: z.boolean(),
  archivedAt: nullableDate,
  sourceEventSeq: z.number().int().nullable().optional(),
  metadata: json,
  createdAt: date,
});
const factLine = z.object({
  kind: z.literal("fact"),
  key: z.string().min(1).max(200),
  value: json,
  source: z.string().max(500),
  confidence: z.number().min(0).max(1),
  createdAt: date,
  updatedAt: date,
});
const approvalLine = z.object({
  kind: z.literal("approval"),
  cycle: z.number().int().min(0),
  approvalKind: z.enum(["tool", "budget", "stuck", "question"]),
  status: z.enum(["pending", "approved", "rejected", "expired", "cancelled"]),
  toolName: z.string().max(100).nullable().optional(),
  toolArgs: json,
  reason: z.string().max(10_000),
  context: json,
  answer: z.string().max(10_000).nullable().optional(),
  comment: z.string().max(10_000).nullable().optional(),
  decidedBy: z.string().max(200).nullable().optional(),
  decidedAt: nullableDate,
  expiresAt: nullableDate,
  createdAt: date,
});
const spendLine = z.object({
  kind: z.literal("spend"),
  spendKind: z.enum(["model", "embedding", "tool", "summary"]),
  state: z.enum(["reserved", "committed", "released"]),
  model: z.string().max(100).nullable().optional(),
  tokensIn: z.number().int().min(0),
  tokensOut: z.number().int().min(0),
  costUsd: decimal,
  eventSeq: z.number().int().nullable().optional(),
  createdAt: date,
});
const bodyLine = z.discriminatedUnion("kind", [eventLine, snapshotLine, memoryLine, factLine, approvalLine, spendLine], {
  error: "must have a kind of event, snapshot, memory, fact, approval or spend",
});

type Parsed = {
  agent: z.infer<typeof agentLine>;
  events: z.infer<typeof eventLine>[];
  snapshots: z.infer<typeof snapshotLine>[];
  memories: z.infer<typeof memoryLine>[];
  facts: z.infer<typeof factLine>[];
  approvals: z.infer<typeof approvalLine>[];
  spend: z.infer<typeof spendLine>[];
};

function lineError(lineNo: number, error: z.ZodError | string): AppError {
  const detail =
    typeof error === "string"
      ? error
      : error.issues
          .slice(0, 3)
          .map((i) => (i.path.length ? `${i.path.join(".")} ${i.message}` : i.message))
          .join("; ");
  return new AppError("BAD_REQUEST", `Line ${lineNo}: ${detail}. Nothing was imported.`);
}

export type ParsedExport = Parsed;

/** An archive's settings in the agent form's shape, for the form's schema to check. */
function settingsInputOfArchive(a: z.infer<typeof agentLine>): AgentSettingsInput {
  return {
    name: a.name,
    goal: a.goal,
    instructions: a.instructions,
    provider: SIMULATOR_PROVIDER,
    model: a.model,
    temperature: a.temperature,
    budgetUsd: a.budgetUsd ?? "",
    budgetTokens: a.budgetTokens ?? "",
    budgetCycles: a.budgetCycles ?? "",
    softLimitPercent: a.softLimitPercent,
    cooldownSeconds: a.cooldownSeconds,
    approvalTimeoutSeconds: a.approvalTimeoutSeconds,
    approvalTimeoutPolicy: a.approvalTimeoutPolicy,
    tools: a.tools as AgentSettingsInput["tools"],
    memory: memorySettingsOf(a.memorySettings),
    scheduleCron: a.scheduleCron ?? "",
    scheduleTimezone: a.scheduleTimezone,
  };
}

/** Parsing gives the event loop back this often, so a large file does not stall the app's other requests. */
const PARSE_SLICE_MS = 10;
// PostgreSQL stores no NUL character in text or jsonb; JSON escapes it as \u0000 (an odd run of backslashes before "u0000").
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** Parses and checks a whole export; throws the first problem with its line number. */
export async function parseExport(text: string, { maxLines }: { maxLines: number }): Promise<Parsed> {
  const parsed: Omit<Parsed, "agent"> & { agent?: Parsed["agent"] } = {
    events: [],
    snapshots: [],
    memories: [],
    facts: [],
    approvals: [],
    spend: [],
  };
  let seen = 0;
  const seqs = new Set<number>();
  let sliceStarted = performance.now();
  for (let start = 0, lineNo = 1; start <= text.length; lineNo++) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (lineNo > maxLines + 1) {
      throw new AppError("PAYLOAD_TOO_LARGE", `The file has more than ${maxLines.toLocaleString("en-US")} lines. Nothing was imported.`);
    }
    if (lineNo % 64 === 0 && performance.now() - sliceStarted > PARSE_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
    if (raw === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw lineError(lineNo, "not valid JSON");
    }
    if (NUL_ESCAPE.test(raw)) throw lineError(lineNo, "a text contains \\u0000 (a NUL character), which the database cannot store");
    if (seen === 0) {
      const h = header.safeParse(value);
      if (!h.success) throw lineError(lineNo, "this is not a Longhaul agent export (the first line must be its header)");
      if (h.data.version !== EXPORT_VERSION) {
        throw lineError(lineNo, `the export has format version ${h.data.version}; this Longhaul reads version ${EXPORT_VERSION}`);
      }
    } else if (seen === 1) {
      const a = agentLine.safeParse(value);
      if (!a.success) throw lineError(lineNo, a.error);
      // The settings must pass the agent form's own schema, as on every path to a runnable agent: an archive
      // is read-only, but a fork of it runs with these settings (docs/decisions/022).
      const settings = agentSettingsSchema.safeParse(settingsInputOfArchive(a.data));
      if (!settings.success) {
        const problems = settings.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`);
        throw lineError(lineNo, `the agent's settings are not valid (${problems.join("; ")})`);
      }
      parsed.agent = a.data;
    } else {
      const b = bodyLine.safeParse(value);
      if (!b.success) throw lineError(lineNo, b.error);
      const line = b.data;
      if (line.kind === "event") {
        if (seqs.has(line.seq)) throw lineError(lineNo, `event seq ${line.seq} appears twice`);
        seqs.add(line.seq);
        parsed.events.push(line);
      } else if (line.kind === "snapshot") parsed.snapshots.push(line);
      else if (line.kind === "memory") parsed.memories.push(line);
      else if (line.kind === "fact") parsed.facts.push(line);
      else if (line.kind === "approval") parsed.approvals.push(line);
      else parsed.spend.push(line);
    }
    seen++;
  }
  if (!parsed.agent) throw new AppError("BAD_REQUEST", "The file is empty or has no agent line. Nothing was imported.");
  return parsed as Parsed;
}
