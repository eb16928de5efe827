import "server-only";
import { Prisma } from "../db/client";
import { col, jsonArray, jsonObject } from "../db/columns";
import { direct } from "../db/raw";
import { maybeRow, rows, sqlRow } from "../db/rows";
import type { EventType } from "../db/generated/enums";
import { AppError, notFound } from "../errors";
import { renderPrompt } from "../loop/context";
import { PROMPT_EVENT_PAYLOAD_SQL } from "../agents/events";
import type { CycleTraceView, TraceMemory, TraceSpan, TraceSpanView } from "../../shared/cycle-trace";
import { blobsOf, expandRanges, messagesHash, readBlob, type StoredPrompt } from "../loop/trace-parts";
import { readSegment, type ColdEvent, type SegmentRef } from "../hibernation/segments";

type Ids = { agentId: string; teamId: string };
type CycleEvent = {
  seq: number;
  type: EventType;
  payload: Record<string, unknown> | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: string;
  durationMs: number | null;
  createdAt: string;
};
type CycleApproval = { kind: string; status: string; createdAt: string; decidedAt: string | null };

const traceRow = sqlRow("reading a cycle's trace", {
  spans: jsonArray<TraceSpan>().nullable(),
  prompt: jsonObject<StoredPrompt>().nullable(),
  events: jsonArray<CycleEvent>(),
  approvals: jsonArray<CycleApproval>(),
  segments: jsonArray<SegmentRef & { fromSeq: number; toSeq: number }>(),
  deletedThroughCycle: col.int,
});

const blobRow = sqlRow("reading a trace's blobs", { hash: col.text, data: col.bytes });
const promptEventRow = sqlRow("reading the events a prompt showed", { seq: col.int, cycle: col.int, type: col.text, payload: col.json });

const WAIT_NAMES: Record<string, string> = {
  tool: "wait for approval",
  question: "wait for an answer",
  budget: "wait for a budget decision",
  stuck: "wait for a person (the agent seemed stuck)",
  outcome: "wait for a person (a call's outcome was unknown)",
};
const outcomeWord = (a: CycleApproval) =>
  a.status === "approved" ? (a.kind === "question" ? "answered" : "approved") : a.status === "expired" ? "timed out" : a.status;

/** A jsonb timestamp (UTC, without a zone) as a Date. */
const utc = (text: string) => new Date(text.endsWith("Z") ? text : `${text}Z`);

/**
 * A cycle's trace for the dashboard and the API: the spans the loop recorded (or, for a cycle without
 * a recorded trace, the ones its events' durations tell), the approvals it waited for, the messages
 * sent to the model rebuilt by the loop's own renderPrompt and checked against their hash, and the reply.
 * Two round trips whatever the agent's length of history.
 */
export async function getCycleTrace({ agentId, teamId, cycle }: Ids & { cycle: number }): Promise<CycleTraceView> {
  // Hibernated history (docs/decisions/016) is read through from the cold segments holding the cycle's own
  // events or the ones its prompt showed (their rows come with the trace's); retention's deletions are known
  // by the agent's coldDeletedThroughCycle.
  const found = await maybeRow(
    direct,
    traceRow,
    Prisma.sql`
      SELECT t.spans, t.prompt, a."coldDeletedThroughCycle" AS "deletedThroughCycle",
             (SELECT coalesce(jsonb_agg(jsonb_build_object('key', s.key, 'sha256', s.sha256, 'eventCount', s."eventCount",
                       'fromSeq', s."fromSeq", 'toSeq', s."toSeq", 'fromCycle', s."fromCycle", 'toCycle', s."toCycle") ORDER BY s."fromSeq"), '[]'::jsonb)
                FROM cold_segment s
               WHERE s."agentId" = a.id AND s."teamId" = a."teamId"
                 AND ((s."fromCycle" <= ${cycle} AND s."toCycle" >= ${cycle})
                      OR EXISTS (SELECT 1 FROM jsonb_array_elements(t.prompt->'events') r
                                  WHERE (r->>0)::int <= s."toSeq" AND (r->>1)::int >= s."fromSeq"))) AS segments,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', e.seq, 'type', e.type, 'payload', e.payload, 'tokensIn', e."tokensIn",
                       'tokensOut', e."tokensOut", 'costUsd', e."costUsd"::text, 'durationMs', e."durationMs", 'createdAt', e."createdAt") ORDER BY e.seq), '[]'::jsonb)
                FROM agent_event e WHERE e."agentId" = a.id AND e."teamId" = a."teamId" AND e.cycle = ${cycle}) AS events,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', p.kind, 'status', p.status, 'createdAt', p."createdAt", 'decidedAt', p."decidedAt") ORDER BY p."createdAt"), '[]'::jsonb)
                FROM approval p WHERE p."agentId" = a.id AND p."teamId" = a."teamId" AND p.cycle = ${cycle}) AS approvals
        FROM agent a
        LEFT JOIN cycle_trace t ON t."agentId" = a.id AND t."teamId" = a."teamId" AND t.cycle = ${cycle}
       WHERE a.id = ${agentId}::uuid AND a."teamId" = ${teamId}`,
  );
  if (!found) throw notFound("That agent");
  const ownSegments = found.segments.filter((s) => s.fromCycle <= cycle && s.toCycle >= cycle);
  const cold = await coldEvents(ownSegments, (e) => e.cycle === cycle);
  const events = [...cold.map(cycleEventOf), ...found.events].sort((a, b) => a.seq - b.seq);
  const { approvals } = found;
  if (!found.spans && !found.prompt && events.length === 0 && approvals.length === 0) {
    if (cycle <= found.deletedThroughCycle)
      throw new AppError(
        "NOT_FOUND",
        `Cycle ${cycle}'s history and trace were deleted by the retention policy (history before cycle ${found.deletedThroughCycle + 1} is gone).`,
      );
    throw new AppError("NOT_FOUND", `Cycle ${cycle} has nothing recorded: the agent has not run it (or its history was deleted).`);
  }
  const thought = events.find((e) => e.type === "thought");
  const results = events.filter((e) => e.type === "tool_result");
  const recorded = found.spans ?? [];
  const spans: TraceSpan[] = recorded.length > 0 ? [...recorded] : spansFromEvents(events);
  for (const approval of approvals) {
    const start = utc(approval.createdAt).getTime();
    const end = approval.decidedAt ? utc(approval.decidedAt).getTime() : Date.now();
    spans.push({
      kind: "approval",
      name: `${WAIT_NAMES[approval.kind] ?? "wait for a person"}: ${approval.decidedAt ? outcomeWord(approval) : "still waiting"}`,
      start,
      ms: Math.max(0, end - start),
      attrs: { "longhaul.approval.kind": approval.kind, "longhaul.approval.status": approval.status },
    });
  }
  spans.sort((a, b) => a.start - b.start);
  const first = spans[0]?.start ?? null;
  const views = viewsOf(spans, first ?? 0, thought, results);
  const totalMs = spans.length ? Math.max(...spans.map((s) => s.start + s.ms)) - first! : 0;
  return {
    agentId,
    cycle,
    startedAt: first === null ? null : new Date(first),
    totalMs: Math.round(totalMs * 10) / 10,
    source: recorded.length > 0 ? "recorded" : "events",
    spans: views,
    prompt: found.prompt ? await rebuildPrompt({ agentId, teamId }, found.prompt, thought, found.segments) : null,
    reply: thought ? replyOf(thought, recorded) : null,
  };
}

/**
 * The events of these cold segments that `keep` keeps. A segment that cannot be read is an UNAVAILABLE
 * AppError naming its cycles and file (segments.ts), as on the timeline: the trace says it cannot be shown.
 */
async function coldEvents(segments: SegmentRef[], keep: (event: ColdEvent) => boolean): Promise<ColdEvent[]> {
  const kept: ColdEvent[] = [];
  for (const segment of segments) for (const event of await readSegment(segment)) if (keep(event)) kept.push(event);
  return kept;
}

function cycleEventOf(e: ColdEvent): CycleEvent {
  return {
    seq: e.seq,
    type: e.type,
    payload: (e.payload ?? null) as CycleEvent["payload"],
    tokensIn: e.tokensIn,
    tokensOut: e.tokensOut,
    // As the hot rows' numeric(18, 8)::text reads (a segment keeps Decimal's shortest form).
    costUsd: new Prisma.Decimal(e.costUsd).toFixed(8),
    durationMs: e.durationMs,
    createdAt: e.createdAt,
  };
}

/** A cycle without a recorded trace: its model call and tool call from their events' durations. */
function spansFromEvents(events: CycleEvent[]): TraceSpan[] {
  let planned: number | null = null;
  return events.flatMap((e): TraceSpan[] => {
    const end = utc(e.createdAt).getTime();
    const payload = (e.payload ?? {}) as { name?: string; model?: string };
    if (e.type === "tool_call") planned = end;
    if (e.type === "tool_result") {
      // A tool's result event has no duration of its own: from its call's event to it.
      const start = e.durationMs !== null ? end - e.durationMs : (planned ?? end);
      return [{ kind: "tool", name: `execute_tool ${payload.name ?? ""}`, start, ms: end - start }];
    }
    if (e.durationMs === null || (e.type !== "thought" && e.type !== "error")) return [];
    return [{ kind: "model", name: `chat ${payload.model ?? ""}`, start: end - e.durationMs, ms: e.durationMs }];
  });
}

function viewsOf(spans: TraceSpan[], first: number, thought: CycleEvent | undefined, results: CycleEvent[]): TraceSpanView[] {
  const views: TraceSpanView[] = [];
  let model: TraceSpanView | null = null;
  let toolIndex = 0;
  spans.forEach((span, i) => {
    const isAttempt = span.kind === "attempt";
    const usage = span.kind === "model" && thought && !model ? thought : span.kind === "tool" ? results[toolIndex++] : undefined;
    const view: TraceSpanView = {
      id: `s${i}`,
      parentId: isAttempt && model ? model.id : null,
      kind: span.kind,
      name: span.name,
      offsetMs: Math.round((span.start - first) * 10) / 10,
      ms: span.ms,
      attrs: span.attrs ?? {},
      tokensIn: usage && span.kind === "model" ? usage.tokensIn : null,
      tokensOut: usage && span.kind === "model" ? usage.tokensOut : null,
      costUsd: usage ? usage.costUsd : null,
    };
    if (span.kind === "model") model = view;
    views.push(view);
  });
  return views;
}

function replyOf(thought: CycleEvent, spans: TraceSpan[]): NonNullable<CycleTraceView["reply"]> {
  const payload = (thought.payload ?? {}) as {
    content?: string | null;
    call?: { name: string; arguments: string } | null;
    toolCalls?: string[];
    attempts?: number;
    model?: string;
  };
  const others = (payload.toolCalls ?? []).slice(payload.call ? 1 : 0).map((name) => ({ name, arguments: "" }));
  const finish = spans.find((s) => s.kind === "model")?.attrs?.["gen_ai.response.finish_reasons"];
  return {
    content: payload.content ?? null,
    toolCalls: [...(payload.call ? [payload.call] : []), ...others],
    inputTokens: thought.tokensIn,
    outputTokens: thought.tokensOut,
    costUsd: thought.costUsd,
    finishReason: typeof finish === "string" ? finish : null,
    attempts: payload.attempts ?? null,
    model: payload.model ?? null,
  };
}

/** The messages a cycle sent, rebuilt from its stored parts with the loop's renderPrompt, and checked against their hash. */
async function rebuildPrompt(
  { agentId, teamId }: Ids,
  prompt: StoredPrompt,
  thought: CycleEvent | undefined,
  segments: SegmentRef[],
): Promise<CycleTraceView["prompt"]> {
  const seqs = expandRanges(prompt.events);
  const wanted = new Set(seqs);
  // Events hibernated since are projected by the same SQL fragment as the hot ones, over their cold copies.
  const cold = (await coldEvents(segments, (e) => wanted.has(e.seq))).map(({ seq, cycle, type, payload }) => ({
    seq,
    cycle,
    type,
    payload,
  }));
  const [blobs, events] = await Promise.all([
    rows(
      direct,
      blobRow,
      Prisma.sql`SELECT hash, data FROM trace_blob WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND hash = ANY(${blobsOf(prompt)}::text[])`,
    ),
    rows(
      direct,
      promptEventRow,
      Prisma.sql`
        SELECT e.seq, e.cycle, e.type, ${PROMPT_EVENT_PAYLOAD_SQL} AS payload
          FROM (SELECT seq, cycle, type::text AS type, payload FROM agent_event
                 WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} AND seq = ANY(${seqs}::int[])
                UNION ALL
                SELECT seq, cycle, type, payload FROM jsonb_to_recordset(${JSON.stringify(cold)}::jsonb) AS c(seq int, cycle int, type text, payload jsonb)) e
         ORDER BY e.seq`,
    ),
  ]);
  const texts = new Map(blobs.map((b) => [b.hash, readBlob(b.data)]));
  const text = (name: string | null) => (name === null ? null : (texts.get(name) ?? null));
  const system = JSON.parse(text(prompt.system) ?? "{}") as { name: string; goal: string; instructions: string };
  const worldState = text(prompt.world) ?? "{}";
  const summary = text(prompt.summary) ?? "";
  const memory = (list: [string, string][]) =>
    list.map(([id, blob]) => ({ id, ...(JSON.parse(text(blob) ?? '{"kind":"?","content":""}') as { kind: string; content: string }) }));
  const pinned = memory(prompt.pinned);
  const recalled = memory(prompt.recalled);
  const rendered = renderPrompt(
    {
      agent: { ...system, worldState: JSON.parse(worldState) as Prisma.JsonValue, summary },
      events: events.map((e) => ({ ...e, type: e.type as EventType })),
    },
    { pinned, recalled },
    prompt.cycle,
    prompt.limits,
  );
  const note = text(prompt.note);
  const messages = note ? [...rendered.messages, { role: "system" as const, content: note }] : rendered.messages;
  const missing = seqs.length - events.length;
  const isExact = messagesHash(messages) === prompt.hash;
  const why = whyRecalled(thought);
  return {
    messages: messages.map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : JSON.stringify(m.content) })),
    isExact,
    note:
      missing > 0
        ? `${missing} of the ${seqs.length} events this prompt showed are no longer in the database nor in cold storage (deleted by the retention policy); the messages lack them.`
        : isExact
          ? null
          : "The messages rebuilt from what was stored differ from the ones sent.",
    promptTokens: prompt.tokens,
    parts: {
      system: rendered.messages[0] && typeof rendered.messages[0].content === "string" ? rendered.messages[0].content : "",
      worldState,
      summary,
      memories: [
        ...pinned.map((m): TraceMemory => ({ ...m, why: { pinned: true } })),
        ...recalled.map((m): TraceMemory => ({ ...m, why: why.get(m.id) ?? null })),
      ],
      recentEvents: events.length,
      toolSchemas: JSON.parse(text(prompt.tools) ?? "[]") as unknown[],
    },
  };
}

function whyRecalled(thought: CycleEvent | undefined): Map<string, TraceMemory["why"]> {
  const recalled =
    ((thought?.payload ?? {}) as { recalled?: { id: string; score: number; components: Record<string, number> }[] }).recalled ?? [];
  return new Map(
    recalled.map((r) => [
      r.id,
      {
        pinned: false,
        score: r.score,
        similarity: r.components.similarity ?? 0,
        recency: r.components.recency ?? 0,
        frequency: r.components.frequency ?? 0,
        importance: r.components.importance ?? 0,
      },
    ]),
  );
}
