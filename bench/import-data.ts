/**
 * A synthetic agent export (the format of server/transfer/export.ts) of a given size, for the import
 * benchmark (bench/import.ts) and tests. Rows look like what the agent loop writes: per cycle a
 * thought (content, the model's call, five recalled memories with their score components, the
 * context's size), the tool call and its result, a committed model charge; a snapshot every 10
 * cycles; and, in the "mixed" shape, an episode memory every fourth cycle with a 1536-number vector
 * printed as pgvector prints float4 (9 significant digits). The "events" shape has events only: the
 * most rows a file of that size can hold in realistic lines (the 3.6 MB / 10,000 events).
 * Deterministic: the same arguments give the same file.
 */
export type ExportShape = "mixed" | "events";

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = "price page plan changed checked competitor watch report summary tier monthly annual discount noticed update".split(" ");

export type ExportCounts = { events: number; snapshots: number; memories: number; spend: number; facts: number; approvals: number };
export type GeneratedExport = { text: string; bytes: number; counts: ExportCounts };

export function generateExport({ bytes, shape, seed = 7 }: { bytes: number; shape: ExportShape; seed?: number }): GeneratedExport {
  const random = prng(seed);
  const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
  const start = Date.parse("2026-10-01T00:00:00.000Z");
  const at = (cycle: number) => new Date(start + cycle * 60_000).toISOString();
  const lines: string[] = [];
  let size = 0;
  const push = (line: object) => {
    const text = JSON.stringify(line);
    lines.push(text);
    size += Buffer.byteLength(text) + 1;
  };
  const counts: ExportCounts = { events: 0, snapshots: 0, memories: 0, spend: 0, facts: 0, approvals: 0 };
  push({ kind: "longhaul.agent-export", version: 1, exportedAt: at(0), source: { agentId: "bench", team: "Bench" } });
  const agentLineAt = lines.length;
  lines.push(""); // the agent line, written last (it carries the counters)
  let seq = 0;
  let cycle = 0;
  // Leave room for the agent line (~1 KB).
  while (size < bytes - 2048) {
    cycle++;
    const memoryIds = Array.from({ length: 5 }, (_, i) => `00000000-0000-4000-8000-${String(cycle * 10 + i).padStart(12, "0")}`);
    push({
      kind: "event",
      seq: ++seq,
      cycle,
      type: "thought",
      stepId: `cycle-${cycle}`,
      payload: {
        content: `Cycle ${cycle}: ${sentence(40)}.`,
        model: "gpt-4o-mini",
        call: { name: "update_world_state", arguments: JSON.stringify({ set: { lastCheck: at(cycle), note: sentence(6) } }) },
        recalled: memoryIds.map((id, i) => ({
          id,
          kind: "episode",
          score: 1.5 - i * 0.1,
          components: { similarity: 0.6 - i * 0.05, recency: 0.9, frequency: 0.1, importance: 0.5 },
        })),
        context: { promptTokens: 1800 + (cycle % 200), recentCycles: 8 },
      },
      tokensIn: 1800,
      tokensOut: 60,
      costUsd: "0.0003",
      durationMs: 900,
      createdAt: at(cycle),
    });
    counts.events++;
    push({
      kind: "event",
      seq: ++seq,
      cycle,
      type: "tool_call",
      stepId: `cycle-${cycle}`,
      payload: { stage: "think", name: "update_world_state", arguments: JSON.stringify({ set: { note: sentence(6) } }) },
      tokensIn: 0,
      tokensOut: 0,
      costUsd: "0",
      durationMs: null,
      createdAt: at(cycle),
    });
    push({
      kind: "event",
      seq: ++seq,
      cycle,
      type: "tool_result",
      stepId: `act-${cycle}`,
      payload: { name: "update_world_state", status: "succeeded", result: { keys: ["lastCheck", "note"] } },
      tokensIn: 0,
      tokensOut: 0,
      costUsd: "0",
      durationMs: 3,
      createdAt: at(cycle),
    });
    counts.events += 2;
    push({
      kind: "spend",
      spendKind: "model",
      state: "committed",
      model: "gpt-4o-mini",
      tokensIn: 1800,
      tokensOut: 60,
      costUsd: "0.0003",
      eventSeq: seq - 2,
      createdAt: at(cycle),
    });
    counts.spend++;
    if (cycle % 10 === 0) {
      push({
        kind: "snapshot",
        cycle,
        eventSeq: seq,
        worldState: { lastCheck: at(cycle), note: sentence(6), prices: { basic: 9, pro: 29 } },
        summary: sentence(60),
        counters: { cycleCount: cycle, eventCount: seq },
        createdAt: at(cycle),
      });
      counts.snapshots++;
    }
    if (shape === "mixed" && cycle % 4 === 0) {
      const vector = Array.from({ length: 1536 }, () => (random() - 0.5) * 0.05);
      const norm = Math.hypot(...vector);
      push({
        kind: "memory",
        memoryKind: "episode",
        content: `Cycle ${cycle}: ${sentence(25)}.`,
        embedding: vector.map((v) => Number((v / norm).toPrecision(9))),
        embedder: "openai:text-embedding-3-small",
        importance: 0.5,
        recallCount: cycle % 7,
        lastRecalledAt: at(cycle),
        isPinned: false,
        archivedAt: null,
        sourceEventSeq: seq,
        metadata: { cycle },
        createdAt: at(cycle),
      });
      counts.memories++;
    }
  }
  lines[agentLineAt] = JSON.stringify({
    kind: "agent",
    name: `Bench import ${shape}`,
    goal: "Watch the competitor's pricing page and report changes.",
    instructions: "",
    statusReason: null,
    model: "gpt-4o-mini",
    temperature: 0.2,
    maxOutputTokens: 1024,
    tools: [{ name: "update_world_state", enabled: true, approval: "never" }],
    budgetUsd: "100",
    budgetTokens: null,
    budgetCycles: null,
    softLimitPercent: 80,
    cooldownSeconds: 60,
    approvalTimeoutSeconds: 86400,
    approvalTimeoutPolicy: "reject",
    scheduleCron: null,
    scheduleTimezone: "UTC",
    memorySettings: {},
    worldState: { lastCheck: at(cycle) },
    summary: sentence(60),
    summaryThroughCycle: Math.max(0, cycle - 10),
    cycleCount: cycle,
    spentUsd: (cycle * 0.0003).toFixed(4),
    tokensUsed: String(cycle * 1860),
    lastActiveAt: at(cycle),
    createdAt: at(0),
  });
  const text = lines.join("\n") + "\n";
  return { text, bytes: Buffer.byteLength(text), counts };
}
