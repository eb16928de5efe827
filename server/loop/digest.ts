import "server-only";
import type { LoadedContext } from "../agents/events";

/**
 * The rule-based rolling summary: one digest line per cycle that left the recent window, merged into
 * "earlier cycles" lines when the summary grows past its limit. The simulator's summaries are only
 * these; an agent on a real model gets them first too, then a model's rewrite (summary-fold.ts).
 */
export const SUMMARY_MAX_CHARS = 6_000;

type EventRow = LoadedContext["events"][number];

export function short(value: unknown, max: number): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One line per cycle for the rolling summary: what the agent did and what came of it. */
export function digestCycle(cycle: number, events: Pick<EventRow, "type" | "payload">[]): string {
  const parts: string[] = [];
  for (const e of events) {
    const p = (e.payload ?? {}) as {
      name?: string;
      arguments?: string;
      status?: string;
      error?: unknown;
      result?: unknown;
      kind?: string;
      stage?: string;
    };
    if (e.type === "tool_call") parts.push(`${p.name ?? "?"}(${short(p.arguments ?? "", 80)})`);
    else if (e.type === "tool_result") {
      // An MCP tool's answer by the text made for the model, not its timeline view.
      const mcpText = (p.result as { mcp?: unknown; text?: unknown } | undefined)?.mcp ? (p.result as { text?: unknown }).text : undefined;
      parts.push(`→ ${p.status ?? "?"}: ${short(p.error ?? mcpText ?? p.result ?? "", 80)}`);
    } else if (e.type === "error") parts.push(`error ${p.kind ?? "?"}`);
    else if (e.type === "approval_decided") parts.push(`${p.kind ?? "approval"} ${p.status ?? "?"}`);
    else if (e.type === "budget") parts.push(`budget ${p.stage ?? ""}`);
    else if (e.type === "trigger") parts.push(`trigger ${(p as { source?: string }).source ?? "?"}`);
  }
  return `c${cycle}: ${parts.join(" ") || "no action"}`;
}

/**
 * Appends digest lines and keeps the summary under `SUMMARY_MAX_CHARS`: when it grows past the limit,
 * its oldest lines are merged into one "earlier cycles" line that keeps their range and tool counts.
 */
export function appendToSummary(summary: string, lines: string[], maxChars = SUMMARY_MAX_CHARS): string {
  let all = [...(summary ? summary.split("\n") : []), ...lines];
  while (all.join("\n").length > maxChars && all.length > 2) {
    const half = Math.max(2, Math.floor(all.length / 2));
    all = [mergeLines(all.slice(0, half)), ...all.slice(half)];
  }
  const text = all.join("\n");
  return text.length > maxChars ? text.slice(text.length - maxChars) : text;
}

function mergeLines(lines: string[]): string {
  const cycles = lines.flatMap((l) => [...l.matchAll(/\bc(\d+)\b/g)].map((m) => Number(m[1])));
  const counts = new Map<string, number>();
  for (const line of lines) {
    const merged = /^earlier c\d+-c\d+: (.*)$/.exec(line);
    if (merged) {
      for (const m of merged[1]!.matchAll(/(\w+)×(\d+)/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + Number(m[2]));
    } else {
      for (const m of line.matchAll(/(\w+)\(/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
  }
  const tally = [...counts].map(([name, n]) => `${name}×${n}`).join(" ");
  return `earlier c${Math.min(...cycles)}-c${Math.max(...cycles)}: ${tally || "no actions"}`;
}

/** Reasoning of a cycle shown to the summarizer, at most this many characters. */
const REASONING_IN_NOTE = 240;
/** The notes of one fold, at most this many characters (a fold of many cycles gets their digest lines only). */
const NOTES_MAX_CHARS = 8_000;

/**
 * What the summarizer reads of each folded cycle: its digest line and what the model said it was
 * doing (the thought's text), so the model's summary can keep reasons the digest line has no room for.
 */
export function foldNotes(fromCycle: number, throughCycle: number, events: readonly Pick<EventRow, "cycle" | "type" | "payload">[]) {
  const notes: string[] = [];
  for (let c = fromCycle; c <= throughCycle; c++) {
    const own = events.filter((e) => e.cycle === c);
    const thought = own.find((e) => e.type === "thought")?.payload as { content?: unknown } | undefined;
    const reasoning =
      typeof thought?.content === "string" && thought.content.trim() ? ` | said: ${short(thought.content.trim(), REASONING_IN_NOTE)}` : "";
    notes.push(`${digestCycle(c, own)}${reasoning}`);
  }
  if (notes.join("\n").length <= NOTES_MAX_CHARS) return notes;
  const lines = notes.map((note) => note.split(" | said: ")[0]!);
  return appendToSummary("", lines, NOTES_MAX_CHARS).split("\n");
}
