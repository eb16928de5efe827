import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { PromptParts } from "../server/loop/trace-parts";
import type { TraceSpan } from "../shared/cycle-trace";

/**
 * A recorded trace for one cycle of the browser benchmark's seeded agent, written as the loop writes
 * one (server/loop/trace-store.ts: spans, and the prompt by reference with its blobs): a world state of
 * about 2 KB, a summary at its 6,000-character cap, two pinned and five recalled memories of 400
 * characters, the last eight cycles' events and the built-in tools' schemas.
 */
export async function seedCycleTrace(client: pg.Client, { agentId, teamId, cycle }: { agentId: string; teamId: string; cycle: number }) {
  const events = (
    await client.query<{ seq: number; cycle: number; type: string; payload: unknown }>(
      `SELECT seq, cycle, type::text AS type, payload FROM agent_event WHERE "agentId" = $1 AND cycle > $2 AND cycle < $3 ORDER BY seq`,
      [agentId, cycle - 9, cycle],
    )
  ).rows;
  const memory = (kind: string, i: number) => ({ id: randomUUID(), kind, content: `Memory ${i}: ${"a note worth keeping. ".repeat(19)}` });
  const agent = {
    name: "Long history",
    goal: "A long-running agent.",
    instructions: "Check the sources every hour and keep the world state current.",
    worldState: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, `value ${i} ${"x".repeat(30)}`])),
    summary: Array.from({ length: 60 }, (_, i) => `Cycles ${i * 10}-${i * 10 + 9}: updated the world state and checked sources.`)
      .join("\n")
      .padEnd(6000, "."),
  };
  const source = {
    agent,
    events: events.map((e) => ({ ...e, type: e.type as never, payload: e.payload as never })),
    memory: { pinned: [memory("fact", 1), memory("fact", 2)], recalled: [3, 4, 5, 6, 7].map((i) => memory("episode", i)) },
    limits: null,
  };
  // Imported here, not at the top: the server's modules read the environment, which the benchmark sets up first.
  const [{ renderPrompt }, { storePromptParts }, { toolsForModel }] = await Promise.all([
    import("../server/loop/context"),
    import("../server/loop/trace-parts"),
    import("../server/tools"),
  ]);
  const tools = toolsForModel(["search_memory", "remember", "update_world_state", "http_get", "send_message", "ask_human", "finish"]);
  const messages = renderPrompt(source, source.memory, cycle).messages;
  const parts: PromptParts = { cycle, source, note: null, tools, messages, promptTokens: 2400 };
  const { prompt, blobs } = storePromptParts(parts);
  const start = Date.now() - 5_000;
  const span = (kind: TraceSpan["kind"], name: string, at: number, ms: number, attrs?: TraceSpan["attrs"]): TraceSpan => ({
    kind,
    name,
    start: start + at,
    ms,
    ...(attrs ? { attrs } : {}),
  });
  const spans: TraceSpan[] = [
    span("read", "read the agent's state", 0, 1.2),
    span("context", "assemble the context", 1.3, 6.1),
    span("budget", "reserve the worst case", 1.4, 2.2),
    span("recall", "recall memories", 2, 4.8),
    span("model", "chat gpt-4o-mini", 7.5, 880, {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 1800,
      "gen_ai.usage.output_tokens": 60,
      "gen_ai.response.finish_reasons": "tool_calls",
    }),
    span("attempt", "HTTP attempt 1", 7.6, 879),
    span("write", "record the thought and the plan", 888, 3.1),
    span("tool", "execute_tool update_world_state", 891, 2.4, {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "update_world_state",
    }),
    span("write", "record the result and checkpoint", 894, 2.9),
  ];
  await client.query(
    `INSERT INTO trace_blob ("agentId", "teamId", hash, data) SELECT $1, $2, b.hash, b.data FROM unnest($3::text[], $4::bytea[]) AS b(hash, data) ON CONFLICT DO NOTHING`,
    [agentId, teamId, [...blobs.keys()], [...blobs.values()]],
  );
  await client.query(`INSERT INTO cycle_trace ("agentId", "teamId", cycle, spans, prompt) VALUES ($1, $2, $3, $4, $5)`, [
    agentId,
    teamId,
    cycle,
    JSON.stringify(spans),
    JSON.stringify(prompt),
  ]);
}

/**
 * In the page: clicks the first cycle row's "Open trace" and resolves with the milliseconds until the
 * trace's reply is rendered and the next frame painted (the trace is one request, then a render).
 */
export function openTraceAndTime(): Promise<number> {
  return new Promise((resolve, reject) => {
    const row = document.querySelector('[data-testid="cycle"]');
    const button = row?.querySelector<HTMLButtonElement>('[data-testid="open-trace"]');
    if (!row || !button) return reject(new Error("no Open trace button in the first row"));
    const start = performance.now();
    const observer = new MutationObserver(() => {
      if (!row.querySelector('[data-testid="trace-reply"]')) return;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start), 0));
    });
    observer.observe(row, { childList: true, subtree: true });
    button.click();
  });
}
