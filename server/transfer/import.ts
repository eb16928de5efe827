import { z } from "zod";
import { db, Prisma } from "../db/client";
import { AppError } from "../errors";
import { EMBEDDING_DIMENSIONS, toVectorLiteral } from "../memory/hash-embedding";
import { AGENT_LIMITS, agentSettingsSchema, SIMULATOR_PROVIDER, type AgentSettingsInput } from "../agents/agent-input";
import { memorySettingsOf } from "../memory/settings";
import { summarySelect, toSummary } from "../agents/agents";
import { EXPORT_KIND, EXPORT_VERSION } from "./export";

/**
 * Importing an export (server/transfer/export.ts) into the caller's team creates a read-only,
 * archived agent with the whole history: events, snapshots, memories with their vectors, facts,
 * approvals and spend. Every line is checked first ("Line 12: …" says what is wrong); nothing is
 * written unless the whole file is valid, and then everything is written in one transaction.
 * Ids are new; the source team's user ids and provider ids are not carried over (people appear by
 * name, the model provider becomes the simulator since the archive never runs).
 */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
export const IMPORT_MAX_LINES = 500_000;

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
  spendKind: z.enum(["model", "embedding", "tool"]),
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

/** Parses and checks a whole export; throws the first problem with its line number. */
export function parseExport(text: string): Parsed {
  const lines = text.split("\n");
  if (lines.length > IMPORT_MAX_LINES + 1) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The file has more than ${IMPORT_MAX_LINES.toLocaleString("en-US")} lines. Nothing was imported.`,
    );
  }
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
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    const lineNo = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw lineError(lineNo, "not valid JSON");
    }
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
      // is read-only, but a fork of it runs with these settings.
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

/** A free name in the team: "<name> (imported)", then "(imported 2)", … */
async function freeName(teamId: string, name: string): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const suffix = n === 1 ? " (imported)" : ` (imported ${n})`;
    const candidate = `${name.slice(0, AGENT_LIMITS.nameMax - suffix.length)}${suffix}`;
    const taken = await db.agent.findFirst({ where: { teamId, name: candidate }, select: { id: true } });
    if (!taken) return candidate;
  }
  throw new AppError("CONFLICT", "Too many imports of this agent already have its name; rename one first.");
}

export async function importAgent({ teamId, userId, text }: { teamId: string; userId: string; text: string }) {
  const data = parseExport(text);
  const a = data.agent;
  const name = await freeName(teamId, a.name);
  const lastSeq = data.events.reduce((m, e) => Math.max(m, e.seq), 0);
  const created = await db.$transaction(
    async (tx) => {
      const agent = await tx.agent.create({
        data: {
          teamId,
          createdById: userId,
          name,
          goal: a.goal,
          instructions: a.instructions,
          status: "archived",
          statusReason: `Imported on ${new Date().toISOString().slice(0, 10)}: a read-only archive of "${a.name}".`,
          isReadOnly: true,
          provider: SIMULATOR_PROVIDER,
          model: a.model,
          temperature: a.temperature,
          maxOutputTokens: a.maxOutputTokens ?? 1024,
          tools: a.tools ?? [],
          budgetUsd: a.budgetUsd === null ? null : new Prisma.Decimal(a.budgetUsd),
          budgetTokens: a.budgetTokens === null ? null : BigInt(a.budgetTokens),
          budgetCycles: a.budgetCycles,
          softLimitPercent: a.softLimitPercent,
          cooldownSeconds: a.cooldownSeconds,
          approvalTimeoutSeconds: a.approvalTimeoutSeconds,
          approvalTimeoutPolicy: a.approvalTimeoutPolicy,
          scheduleCron: a.scheduleCron ?? null,
          scheduleTimezone: a.scheduleTimezone,
          memorySettings: a.memorySettings ?? {},
          worldState: a.worldState ?? {},
          summary: a.summary,
          summaryThroughCycle: a.summaryThroughCycle,
          cycleCount: a.cycleCount,
          eventCount: data.events.length,
          lastEventSeq: lastSeq,
          spentUsd: new Prisma.Decimal(a.spentUsd),
          tokensUsed: BigInt(a.tokensUsed),
          lastActiveAt: a.lastActiveAt ? new Date(a.lastActiveAt) : null,
        },
        select: summarySelect,
      });
      const ids = { agentId: agent.id, teamId };
      for (let i = 0; i < data.events.length; i += 1000) {
        await tx.agentEvent.createMany({
          data: data.events.slice(i, i + 1000).map((e) => ({
            ...ids,
            seq: e.seq,
            cycle: e.cycle,
            type: e.type,
            stepId: e.stepId ?? null,
            payload: e.payload ?? {},
            tokensIn: e.tokensIn,
            tokensOut: e.tokensOut,
            costUsd: new Prisma.Decimal(e.costUsd),
            durationMs: e.durationMs ?? null,
            createdAt: new Date(e.createdAt),
          })),
        });
      }
      if (data.snapshots.length > 0) {
        await tx.snapshot.createMany({
          data: data.snapshots.map((s) => ({
            ...ids,
            cycle: s.cycle,
            eventSeq: s.eventSeq,
            worldState: s.worldState ?? {},
            summary: s.summary,
            counters: s.counters ?? {},
            createdAt: new Date(s.createdAt),
          })),
          skipDuplicates: true,
        });
      }
      // Memories carry a pgvector column Prisma cannot write: raw INSERTs, 100 rows a statement.
      for (let i = 0; i < data.memories.length; i += 100) {
        const rows = data.memories.slice(i, i + 100).map(
          (m) => Prisma.sql`(gen_random_uuid(), ${agent.id}::uuid, ${teamId}, ${m.memoryKind}::"MemoryKind", ${m.content},
            ${m.embedding ? toVectorLiteral(m.embedding) : null}::vector, ${m.embedder}, ${m.importance}, ${m.recallCount},
            (${m.lastRecalledAt ?? null}::timestamptz AT TIME ZONE 'UTC'), ${m.isPinned},
            (${m.archivedAt ?? null}::timestamptz AT TIME ZONE 'UTC'), ${m.sourceEventSeq ?? null}::int,
            ${JSON.stringify(m.metadata ?? {})}::jsonb, (${m.createdAt}::timestamptz AT TIME ZONE 'UTC'), now() AT TIME ZONE 'UTC')`,
        );
        await tx.$executeRaw`
          INSERT INTO memory (id, "agentId", "teamId", kind, content, embedding, embedder, importance, "recallCount", "lastRecalledAt",
                              "isPinned", "archivedAt", "sourceEventSeq", metadata, "createdAt", "updatedAt")
          VALUES ${Prisma.join(rows)}`;
      }
      if (data.facts.length > 0) {
        await tx.fact.createMany({
          data: data.facts.map((f) => ({
            ...ids,
            key: f.key,
            value: f.value === null ? Prisma.JsonNull : f.value,
            source: f.source,
            confidence: f.confidence,
            createdAt: new Date(f.createdAt),
            updatedAt: new Date(f.updatedAt),
          })),
          skipDuplicates: true,
        });
      }
      if (data.approvals.length > 0) {
        await tx.approval.createMany({
          data: data.approvals.map((p) => ({
            ...ids,
            cycle: p.cycle,
            kind: p.approvalKind,
            // An archive never runs again: what was still waiting is closed, and says so.
            status: p.status === "pending" ? ("cancelled" as const) : p.status,
            toolName: p.toolName ?? null,
            toolArgs: p.toolArgs ?? Prisma.JsonNull,
            reason: p.reason,
            context: { ...(typeof p.context === "object" && p.context ? (p.context as object) : {}), decidedByName: p.decidedBy ?? null },
            answer: p.answer ?? null,
            comment: p.status === "pending" ? "Still waiting when the history was exported." : (p.comment ?? null),
            decidedAt: p.decidedAt ? new Date(p.decidedAt) : null,
            expiresAt: p.expiresAt ? new Date(p.expiresAt) : null,
            createdAt: new Date(p.createdAt),
          })),
        });
      }
      if (data.spend.length > 0) {
        const eventIds = new Map(
          (await tx.agentEvent.findMany({ where: ids, select: { id: true, seq: true } })).map((e) => [e.seq, e.id] as const),
        );
        for (let i = 0; i < data.spend.length; i += 1000) {
          await tx.spendEntry.createMany({
            data: data.spend.slice(i, i + 1000).map((s) => ({
              ...ids,
              kind: s.spendKind,
              // Open reservations of a run that will never continue are released.
              state: s.state === "reserved" ? ("released" as const) : s.state,
              model: s.model ?? null,
              tokensIn: s.tokensIn,
              tokensOut: s.tokensOut,
              costUsd: new Prisma.Decimal(s.costUsd),
              eventId: s.eventSeq != null ? (eventIds.get(s.eventSeq) ?? null) : null,
              createdAt: new Date(s.createdAt),
            })),
          });
        }
      }
      await tx.auditLog.create({
        data: {
          teamId,
          actorId: userId,
          action: "agent.import",
          targetType: "agent",
          targetId: agent.id,
          metadata: { name, events: String(data.events.length), memories: String(data.memories.length) },
        },
      });
      return agent;
    },
    { timeout: 10 * 60 * 1000, maxWait: 30_000 },
  );
  return {
    agent: toSummary(created),
    counts: {
      events: data.events.length,
      snapshots: data.snapshots.length,
      memories: data.memories.length,
      facts: data.facts.length,
      approvals: data.approvals.length,
      spend: data.spend.length,
    },
  };
}
