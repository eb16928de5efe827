import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, Prisma } from "~/server/db/client";
import { EFFECT_HEARTBEAT_STALE_MS, effectKey, IN_FLIGHT_WAIT_MS, performEffect } from "~/server/tools/effect-ledger";
import { executeToolCall } from "~/server/tools/execute-tool";
import { TOOL_CATALOG } from "~/shared/tool-catalog";
import { listTools, parseToolCall, toolsForModel } from "~/server/tools";
import { HTTP_GET_MAX_BYTES } from "~/server/tools/builtins";
import { parsePrivateHostList } from "~/server/security/outbound-addresses";
import { createOutboundGuard, type OutboundGuard } from "~/server/security/outbound";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";

let server: http.Server;
let serverHost: string;
let serverPort: number;
/** Connections the local server received: a refused request must not add one. */
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/big") {
      res.end("x".repeat(HTTP_GET_MAX_BYTES + 10_000));
      return;
    }
    res.setHeader("content-type", "text/plain");
    res.end("prices: $10");
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverPort = (server.address() as AddressInfo).port;
  serverHost = `127.0.0.1:${serverPort}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function newAgent(
  tools?: { name: string; enabled: boolean; approval: "never" | "always" | "first_time"; allowedHosts?: string[] }[],
) {
  const { caller, team } = await createTestTeam();
  const agent = await caller.agent.create(agentInput(tools ? { tools } : {}));
  return { agentId: agent.id, teamId: team.id };
}

const call = (
  ids: { agentId: string; teamId: string },
  cycle: number,
  callIndex: number,
  name: string,
  args: unknown,
  outbound?: OutboundGuard,
) => executeToolCall({ ...ids, cycle, callIndex, name, argumentsText: typeof args === "string" ? args : JSON.stringify(args) }, outbound);

describe("tool registry", () => {
  it("registers exactly the tools the settings form offers, each with a JSON schema for the model", () => {
    expect(
      listTools()
        .map((t) => t.name)
        .sort(),
    ).toEqual(TOOL_CATALOG.map((t) => t.name).sort());
    const [schema] = toolsForModel(["send_message"]);
    expect(schema).toMatchObject({
      type: "function",
      function: { name: "send_message", parameters: { type: "object", required: ["subject", "body"] } },
    });
  });

  it("turns bad tool calls into messages for the model", () => {
    expect(parseToolCall("rm_rf", "{}")).toMatchObject({ ok: false, error: expect.stringContaining('There is no tool named "rm_rf"') });
    expect(parseToolCall("send_message", "{not json")).toMatchObject({ ok: false, error: expect.stringContaining("not valid JSON") });
    expect(parseToolCall("send_message", JSON.stringify({ subject: "" }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid: subject: .*; body: /),
    });
  });
});

describe("effect ledger", () => {
  it("sends a message once however often the call is retried", async () => {
    const ids = await newAgent();
    const first = await call(ids, 3, 0, "send_message", { subject: "Weekly report", body: "All good." });
    const again = await call(ids, 3, 0, "send_message", { subject: "Weekly report", body: "All good." });
    expect(first).toMatchObject({ status: "succeeded", isReplay: false });
    expect(again).toMatchObject({ status: "succeeded", isReplay: true, result: (first as { result: unknown }).result });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(1);
    // A different call index is a different effect.
    await call(ids, 3, 1, "send_message", { subject: "Follow-up", body: "One more thing." });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(2);
  });

  it("reports an effect whose previous attempt died mid-call as unknown, and does not repeat it", async () => {
    const ids = await newAgent();
    const dead = { ...ids, cycle: 7, callIndex: 0, toolName: "charge_card", args: { amount: 10 } };
    await db.toolEffect.create({
      data: {
        ...ids,
        idempotencyKey: effectKey(dead),
        toolName: "charge_card",
        args: {},
        createdAt: new Date(Date.now() - IN_FLIGHT_WAIT_MS - 1000),
      },
    });
    let calls = 0;
    const outcome = await performEffect(dead, async () => ++calls);
    expect(outcome).toEqual({ status: "unknown", isReplay: true });
    expect(calls).toBe(0);
  });

  it("a long call keeps a heartbeat: an overlapping copy waits for its receipt while it beats (past the fixed wait), and calls it unknown soon after it stops", async () => {
    const ids = await newAgent();
    const slow = { ...ids, cycle: 11, callIndex: 0, toolName: "mcp_x_slow", args: {} };
    let calls = 0;
    // The first attempt runs longer than IN_FLIGHT_WAIT_MS, renewing its heartbeat; its key is made to look old.
    const first = performEffect(
      slow,
      async () => {
        calls++;
        await db.toolEffect.updateMany({
          where: { idempotencyKey: effectKey(slow) },
          data: { createdAt: new Date(Date.now() - IN_FLIGHT_WAIT_MS - 1000) },
        });
        await new Promise((r) => setTimeout(r, EFFECT_HEARTBEAT_STALE_MS + 2_000));
        return { done: true };
      },
      { heartbeat: true },
    );
    await new Promise((r) => setTimeout(r, 500));
    const second = await performEffect(slow, async () => ++calls, { heartbeat: true });
    expect(second).toEqual({ status: "succeeded", result: { done: true }, isReplay: true });
    expect(await first).toMatchObject({ status: "succeeded", isReplay: false });
    expect(calls).toBe(1);
    // A key whose heartbeat stopped (the attempt died) is unknown as soon as the heartbeat is stale.
    const dead = { ...ids, cycle: 12, callIndex: 0, toolName: "mcp_x_slow", args: {} };
    await db.toolEffect.create({
      data: {
        ...ids,
        idempotencyKey: effectKey(dead),
        toolName: dead.toolName,
        args: {},
        heartbeatAt: new Date(Date.now() - EFFECT_HEARTBEAT_STALE_MS - 500),
      },
    });
    const started = Date.now();
    expect(await performEffect(dead, async () => ++calls, { heartbeat: true })).toEqual({ status: "unknown", isReplay: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toBe(1);
  }, 40_000);

  it("runs a replay-safe built-in again when its previous attempt died mid-call: the outcome is known and the effect happens once", async () => {
    const ids = await newAgent();
    const deadAttempt = (cycle: number, toolName: string) =>
      db.toolEffect.create({
        data: {
          ...ids,
          idempotencyKey: effectKey({ agentId: ids.agentId, cycle, callIndex: 0 }),
          toolName,
          args: {},
          createdAt: new Date(Date.now() - IN_FLIGHT_WAIT_MS - 1000),
        },
      });
    // Died before the outbox row was written: the message is sent now, once.
    await deadAttempt(7, "send_message");
    expect(await call(ids, 7, 0, "send_message", { subject: "Hello", body: "Again?" })).toMatchObject({ status: "succeeded" });
    // Died after writing the row but before the receipt: nothing more is sent.
    await deadAttempt(8, "send_message");
    const key8 = effectKey({ agentId: ids.agentId, cycle: 8, callIndex: 0 });
    await db.outboxMessage.create({ data: { ...ids, idempotencyKey: key8, subject: "Written", body: "by the dead attempt" } });
    expect(await call(ids, 8, 0, "send_message", { subject: "Written", body: "by the dead attempt" })).toMatchObject({
      status: "succeeded",
    });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(2);
    // An episode the dead attempt stored is found again by the call's key, not stored twice; a fact is upserted by its key.
    await call(ids, 9, 0, "remember", { content: "The shop opens at nine.", kind: "episode" });
    await db.toolEffect.update({
      where: { idempotencyKey: effectKey({ agentId: ids.agentId, cycle: 9, callIndex: 0 }) },
      data: { status: "started", result: Prisma.DbNull, createdAt: new Date(Date.now() - IN_FLIGHT_WAIT_MS - 1000) },
    });
    expect(await call(ids, 9, 0, "remember", { content: "The shop opens at nine.", kind: "episode" })).toMatchObject({
      status: "succeeded",
    });
    expect(await db.memory.count({ where: { agentId: ids.agentId, content: "The shop opens at nine." } })).toBe(1);
    await deadAttempt(10, "remember");
    await call(ids, 10, 0, "remember", { content: "Prices rose 5%.", key: "prices" });
    expect(await db.memory.count({ where: { agentId: ids.agentId, kind: "fact" } })).toBe(1);
    const receipts = await db.toolEffect.findMany({ where: { agentId: ids.agentId }, select: { status: true } });
    expect(receipts.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  });

  it("waits for the receipt of an attempt still in flight (an overlapping copy of the step) instead of repeating it", async () => {
    const ids = await newAgent();
    const idempotencyKey = effectKey({ agentId: ids.agentId, cycle: 8, callIndex: 0 });
    await db.toolEffect.create({ data: { ...ids, idempotencyKey, toolName: "send_message", args: {} } });
    const pending = call(ids, 8, 0, "send_message", { subject: "Hello", body: "Once" });
    await new Promise((r) => setTimeout(r, 600));
    await db.toolEffect.update({ where: { idempotencyKey }, data: { status: "succeeded", result: { messageId: "from-the-first-copy" } } });
    expect(await pending).toEqual({ status: "succeeded", isReplay: true, result: { messageId: "from-the-first-copy" } });
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(0);
  });

  it("invalid arguments never reach the ledger", async () => {
    const ids = await newAgent();
    expect(await call(ids, 1, 0, "send_message", "{oops")).toMatchObject({ status: "invalid" });
    expect(await db.toolEffect.count({ where: { agentId: ids.agentId } })).toBe(0);
  });
});

describe("built-in tools", () => {
  it("update_world_state sets and removes keys", async () => {
    const ids = await newAgent();
    await call(ids, 1, 0, "update_world_state", { set: { step: 1, plan: ["a", "b"] } });
    await call(ids, 2, 0, "update_world_state", { set: { step: 2 }, remove: ["plan"] });
    const agent = await db.agent.findUniqueOrThrow({ where: { id: ids.agentId }, select: { worldState: true } });
    expect(agent.worldState).toEqual({ step: 2 });
  });

  it("remember and search_memory find the agent's own memories only", async () => {
    const mine = await newAgent();
    const other = await newAgent();
    await call(mine, 1, 0, "remember", { content: "The competitor raised the enterprise price to $99.", importance: 0.9 });
    await call(other, 1, 0, "remember", { content: "Another team's enterprise price note." });
    const found = await call(mine, 2, 0, "search_memory", { query: "enterprise price" });
    expect(found).toMatchObject({ status: "succeeded" });
    const memories = (found as { result: { memories: { content: string }[] } }).result.memories;
    expect(memories.map((m) => m.content)).toEqual(["The competitor raised the enterprise price to $99."]);
  });

  it("http_get never reaches a loopback address, whatever the agent's allow-list says (issue 17)", async () => {
    const ids = await newAgent([{ name: "http_get", enabled: true, approval: "never", allowedHosts: ["127.0.0.1", "localhost"] }]);
    const before = connections;
    const urls = [
      [`http://127.0.0.1:${serverPort}/metrics`, "127.0.0.1 is a loopback address"],
      [`http://2130706433:${serverPort}/`, "127.0.0.1 is a loopback address"],
      [`http://0x7f.1:${serverPort}/health`, "127.0.0.1 is a loopback address"],
      [`http://localhost:${serverPort}/`, "localhost resolves to 127.0.0.1, a loopback address"],
    ];
    for (const [index, [url, explanation]] of urls.entries()) {
      expect(await call(ids, 1, index, "http_get", { url })).toEqual({
        status: "refused",
        reason: "private address",
        error: `refused: private address (${explanation}; an operator can allow it with LONGHAUL_PRIVATE_TOOL_HOSTS)`,
        isReplay: false,
      });
    }
    expect(connections - before).toBe(0);
  });

  it("http_get reaches allowed hosts only, and cuts large bodies", async () => {
    const ids = await newAgent([{ name: "http_get", enabled: true, approval: "never", allowedHosts: ["127.0.0.1"] }]);
    // The test's server is on loopback: an operator would allow it with LONGHAUL_PRIVATE_TOOL_HOSTS=127.0.0.1.
    const outbound = createOutboundGuard("tool", { allow: parsePrivateHostList("127.0.0.1") });
    const ok = await call(ids, 1, 0, "http_get", { url: `http://${serverHost}/prices` }, outbound);
    expect(ok).toMatchObject({ status: "succeeded", result: { status: 200, body: "prices: $10", isTruncated: false } });
    const big = await call(ids, 1, 1, "http_get", { url: `http://${serverHost}/big` }, outbound);
    expect((big as { result: { body: string; isTruncated: boolean } }).result).toMatchObject({ isTruncated: true });
    expect((big as { result: { body: string } }).result.body).toHaveLength(HTTP_GET_MAX_BYTES);

    const denied = await newAgent();
    const refused = await call(denied, 1, 0, "http_get", { url: `http://${serverHost}/prices` }, outbound);
    expect(refused).toMatchObject({ status: "failed", error: expect.stringContaining("is not on this agent's allow-list") });
    expect(await call(denied, 1, 1, "http_get", { url: "file:///etc/passwd" }, outbound)).toMatchObject({ status: "invalid" });
    await outbound.close();
  });

  it("ask_human and finish return markers for the loop", async () => {
    const ids = await newAgent();
    expect(await call(ids, 1, 0, "ask_human", { question: "Which region?" })).toMatchObject({
      result: { awaitsHuman: true, question: "Which region?" },
    });
    expect(await call(ids, 1, 1, "finish", { result: "Done." })).toMatchObject({
      result: { finished: true, result: "Done.", isSuccess: true },
    });
  });
});
