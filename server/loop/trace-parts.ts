import "server-only";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { PromptLimits, PromptSource } from "./context";
import { PROMPT_BLOB_FIELDS, PROMPT_MEMORY_FIELDS } from "../../shared/cycle-trace";

/**
 * What a cycle's prompt was made of (docs/decisions/038), kept so that its messages can be rebuilt byte
 * for byte by the loop's own `renderPrompt`: the recent events by sequence number (agent_event rows never
 * change), and every other part as a content-addressed blob. A part that did not change since an
 * earlier cycle (the instructions, the tool schemas, a summary between folds, a memory recalled again)
 * is the same blob, written once per agent: what a cycle costs to trace does not grow with its number.
 */
export type PromptParts = {
  cycle: number;
  source: PromptSource & {
    memory: { pinned: readonly MemoryShown[]; recalled: readonly MemoryShown[] };
    limits: PromptLimits | null;
  };
  /** The line about tools unavailable this cycle, sent as a last system message. */
  note: string | null;
  tools: readonly unknown[];
  messages: readonly unknown[];
  promptTokens: number;
};
type MemoryShown = { id: string; kind: string; content: string };

/** The `prompt` column of cycle_trace. */
export type StoredPrompt = {
  v: 1;
  cycle: number;
  /** {name, goal, instructions} as JSON. */
  system: string;
  world: string;
  summary: string;
  tools: string;
  note: string | null;
  /** [memory id, blob of {kind, content}] */
  pinned: [string, string][];
  recalled: [string, string][];
  /** The recent events shown, as inclusive ranges of sequence numbers. */
  events: [number, number][];
  limits: PromptLimits | null;
  /** The messages' own hash: a rebuild that matches it is exact. */
  hash: string;
  tokens: number;
};

/** A blob's name: the first 16 bytes of its SHA-256, base64url (22 characters). */
export function blobName(text: string): string {
  return createHash("sha256").update(text).digest().subarray(0, 16).toString("base64url");
}

export function messagesHash(messages: readonly unknown[]): string {
  return blobName(JSON.stringify(messages));
}

/** The stored form of a prompt and the blobs it names (name → gzip of the text). */
export function storePromptParts(parts: PromptParts): { prompt: StoredPrompt; blobs: Map<string, Buffer> } {
  const blobs = new Map<string, Buffer>();
  const put = (text: string) => {
    const name = blobName(text);
    if (!blobs.has(name)) blobs.set(name, gzipSync(text));
    return name;
  };
  const { agent, events, memory, limits } = parts.source;
  const memoryBlob = (m: MemoryShown): [string, string] => [m.id, put(JSON.stringify({ kind: m.kind, content: m.content }))];
  const prompt: StoredPrompt = {
    v: 1,
    cycle: parts.cycle,
    system: put(JSON.stringify({ name: agent.name, goal: agent.goal, instructions: agent.instructions })),
    world: put(JSON.stringify(agent.worldState ?? {})),
    summary: put(agent.summary),
    tools: put(JSON.stringify(parts.tools)),
    note: parts.note === null ? null : put(parts.note),
    pinned: memory.pinned.map(memoryBlob),
    recalled: memory.recalled.map(memoryBlob),
    events: seqRanges(events.map((e) => e.seq)),
    limits,
    hash: messagesHash(parts.messages),
    tokens: parts.promptTokens,
  };
  return { prompt, blobs };
}

/** Sorted sequence numbers as inclusive ranges: [3, 4, 5, 9] → [[3, 5], [9, 9]]. */
export function seqRanges(seqs: readonly number[]): [number, number][] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && seq <= last[1] + 1) last[1] = Math.max(last[1], seq);
    else ranges.push([seq, seq]);
  }
  return ranges;
}

export function expandRanges(ranges: readonly [number, number][]): number[] {
  return ranges.flatMap(([from, to]) => Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

/** Every blob a stored prompt names. */
export function blobsOf(prompt: StoredPrompt): string[] {
  return [
    ...PROMPT_BLOB_FIELDS.map((field) => prompt[field]).filter((name): name is string => name !== null),
    ...PROMPT_MEMORY_FIELDS.flatMap((field) => prompt[field].map(([, b]) => b)),
  ];
}

export function readBlob(data: Buffer): string {
  return gunzipSync(data).toString("utf8");
}
