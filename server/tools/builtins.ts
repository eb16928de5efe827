import "server-only";
import { z } from "zod";
import { deliverAgentMessage } from "../channels/agent-messages";
import { db } from "../db/client";
import { factKeyOf, rememberFact, searchMemories, writeMemory } from "../memory/memories";
import { insertOutboxMessage, mergeWorldState } from "./sql";
import { direct } from "../db/raw";
import { registerTool } from "./registry";

/** The built-in tools. A custom tool is one more `registerTool(...)` call, imported by server/tools/index.ts. */

export const HTTP_GET_MAX_BYTES = 256 * 1024;
export const HTTP_GET_TIMEOUT_MS = 10_000;

export const updateWorldState = registerTool({
  name: "update_world_state",
  description: "Record progress and working notes: set keys (JSON values) and remove keys of your world state.",
  input: z.object({
    set: z.record(z.string(), z.unknown()).optional().describe("Keys to set to the given JSON values"),
    remove: z.array(z.string()).optional().describe("Keys to remove"),
  }),
  // Setting the same keys again yields the same state: safe to repeat.
  sideEffect: "read-only",
  defaultApproval: "never",
  execute: async (input, { agentId, teamId }) => {
    // One statement (server/tools/sql.ts): the merge happens in the database, under the row's lock.
    const before = await mergeWorldState(direct, { agentId, teamId, set: input.set ?? {}, remove: input.remove ?? [] });
    const state = { ...((before ?? {}) as Record<string, unknown>), ...(input.set ?? {}) };
    for (const key of input.remove ?? []) delete state[key];
    return { keys: Object.keys(state) };
  },
});

export const remember = registerTool({
  name: "remember",
  description:
    "Store something worth remembering for later cycles. A fact (kind fact) is kept under a key and updated, not duplicated, when you remember the same key again; give a short key such as 'acme.price'. Episodes describe what happened; reflections are conclusions you drew.",
  input: z.object({
    content: z.string().min(1).max(4000),
    kind: z.enum(["fact", "episode", "reflection"]).default("fact"),
    key: z.string().min(1).max(200).optional().describe("For facts: the fact's name; the same key updates the fact"),
    confidence: z.number().min(0).max(1).default(0.8).describe("For facts: how sure you are, 0 to 1"),
    importance: z.number().min(0).max(1).default(0.5).describe("0 = trivia, 1 = essential"),
  }),
  sideEffect: "side-effecting",
  // A fact is upserted by its key; any other memory is found again by the call's idempotency key.
  replaySafe: true,
  defaultApproval: "never",
  execute: async (input, { agentId, teamId, cycle, idempotencyKey }) => {
    if (input.kind === "fact") {
      const fact = await rememberFact({
        agentId,
        teamId,
        key: input.key ?? factKeyOf(input.content),
        content: input.content,
        source: `agent, cycle ${cycle}`,
        confidence: input.confidence,
        importance: input.importance,
      });
      return { memoryId: fact.memoryId, factKey: fact.key, updated: fact.updated };
    }
    const written = await db.memory.findFirst({
      where: { agentId, teamId, metadata: { path: ["effectKey"], equals: idempotencyKey } },
      select: { id: true },
    });
    if (written) return { memoryId: written.id };
    const memory = await writeMemory({
      agentId,
      teamId,
      kind: input.kind,
      content: input.content,
      importance: input.importance,
      metadata: { effectKey: idempotencyKey },
    });
    return { memoryId: memory.id };
  },
});

export const searchMemory = registerTool({
  name: "search_memory",
  description: "Search your long-term memory: the best matches for a topic, ranked by similarity, recency, how often used, and importance.",
  input: z.object({ query: z.string().min(1).max(500), limit: z.number().int().min(1).max(20).default(5) }),
  // Reading memory counts recalls (frequency), which is bookkeeping, not an outside effect: safe to repeat.
  sideEffect: "read-only",
  defaultApproval: "never",
  execute: async (input, { agentId, teamId }) => {
    const found = await searchMemories({ agentId, teamId, query: input.query, limit: input.limit });
    return {
      memories: found.memories.map((m) => ({ id: m.id, kind: m.kind, content: m.content, score: Math.round(m.score * 1000) / 1000 })),
    };
  },
});

/** Hosts an agent's http_get (or http_request) may reach: that tool setting's `allowedHosts` (exact host or "*.example.com"). */
async function allowedHostsOf(agentId: string, teamId: string, toolName: "http_get" | "http_request"): Promise<string[]> {
  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { tools: true } });
  const setting = (agent.tools as { name: string; allowedHosts?: string[] }[]).find((t) => t.name === toolName);
  return setting?.allowedHosts ?? [];
}

/** Refuses a host the tool's allow-list does not name, saying which hosts it does. */
export async function assertHostAllowed(
  { agentId, teamId }: { agentId: string; teamId: string },
  toolName: "http_get" | "http_request",
  host: string,
) {
  const allowed = await allowedHostsOf(agentId, teamId, toolName);
  if (!isHostAllowed(host, allowed)) {
    throw new Error(`${host} is not on this agent's allow-list (${allowed.length ? allowed.join(", ") : "empty"}).`);
  }
}

/** A response's body, at most `max` bytes of it: the rest is not read (the connection is cancelled). */
export async function readCappedBody(response: Response, max: number): Promise<{ bytes: Buffer; isTruncated: boolean }> {
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let isTruncated = false;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > max) {
      chunks.push(value.subarray(0, max - size));
      isTruncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { bytes: Buffer.concat(chunks), isTruncated };
}

export function isHostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith("*.") ? h.endsWith(p.slice(1)) || h === p.slice(2) : h === p;
  });
}

export const httpGet = registerTool({
  name: "http_get",
  description: `Fetch a URL with GET from an allowed host. Bodies are cut at ${HTTP_GET_MAX_BYTES / 1024} KiB; requests time out after ${HTTP_GET_TIMEOUT_MS / 1000} s.`,
  input: z.object({ url: z.url({ protocol: /^https?$/, message: "Give an http or https URL." }) }),
  sideEffect: "read-only",
  defaultApproval: "always",
  execute: async (input, { agentId, teamId, fetch }) => {
    const url = new URL(input.url);
    await assertHostAllowed({ agentId, teamId }, "http_get", url.hostname);
    // The allow-list says which hosts this agent may ask for; the guard behind `fetch` decides which
    // addresses any agent may reach (an allow-list entry such as 127.0.0.1 never opens a private one).
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(HTTP_GET_TIMEOUT_MS) });
    const { bytes, isTruncated } = await readCappedBody(response, HTTP_GET_MAX_BYTES);
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      location: response.headers.get("location"),
      body: bytes.toString("utf8"),
      isTruncated,
    };
  },
});

export const sendMessage = registerTool({
  name: "send_message",
  description: "Send a message to the team (how this agent reports to people): the outbox, and the channels its settings choose.",
  input: z.object({ subject: z.string().min(1).max(200), body: z.string().min(1).max(20_000) }),
  sideEffect: "side-effecting",
  // The outbox row is keyed by the call's idempotency key: doing it again sends nothing more.
  replaySafe: true,
  defaultApproval: "always",
  execute: async (input, { agentId, teamId, idempotencyKey }) => {
    // The unique key makes the row itself idempotent too, beyond the ledger: a row already there (an
    // earlier attempt's) is the message, found by a second read when this statement's snapshot predates it.
    const inserted = await insertOutboxMessage(direct, { agentId, teamId, idempotencyKey, subject: input.subject, body: input.body });
    const messageId = inserted?.id ?? (await db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey }, select: { id: true } })).id;
    // Then the agent's channels, one delivery each, keyed by the message: queued once however often this runs.
    const channels = await deliverAgentMessage({ teamId, agentId, messageId, subject: input.subject, body: input.body });
    return channels.length > 0 ? { messageId, channels: channels.length } : { messageId };
  },
});

export const askHuman = registerTool({
  name: "ask_human",
  description: "Ask the team a question and wait for the answer before continuing.",
  input: z.object({ question: z.string().min(1).max(2000) }),
  sideEffect: "read-only",
  defaultApproval: "never",
  // The loop turns this into a question approval and waits for the answer event.
  execute: async (input) => ({ awaitsHuman: true, question: input.question }),
});

export const finish = registerTool({
  name: "finish",
  description: "Declare the goal achieved (or impossible) and stop, with a final result.",
  input: z.object({ result: z.string().min(1).max(20_000), isSuccess: z.boolean().default(true) }),
  sideEffect: "read-only",
  defaultApproval: "never",
  execute: async (input) => ({ finished: true, result: input.result, isSuccess: input.isSuccess }),
});
