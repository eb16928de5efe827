import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "~/server/db/client";
import type { AgentStatus } from "~/server/db/generated/enums";
import { refreshDiscovery } from "~/server/mcp/pool";
import { createMcpServer } from "~/server/mcp/servers";
import { agentInput } from "../factories/agent";
import { createTestTeam } from "../factories/team";
import { toolCall, withContractApp, type AgentScript } from "../fixtures/contract-app";
import { startEverything } from "../fixtures/mcp-everything";

/**
 * Issue 20 through the real executor: an agent on the fixture model calls tools of
 * @modelcontextprotocol/server-everything (over Streamable HTTP, on 127.0.0.1, which the operator
 * allows here as LONGHAUL_PRIVATE_TOOL_HOSTS would) across cycles, with approvals approved and
 * rejected, and a call whose outcome a crash left unknown held in the inbox until a person decides:
 * the waits and the settling steps of inngest/functions/agent-run.ts.
 */
vi.hoisted(() => {
  process.env.LONGHAUL_PRIVATE_TOOL_HOSTS = "127.0.0.1";
});

const app = withContractApp();
let everything: { url: string; child: ChildProcess };

beforeAll(async () => {
  const { child, url } = await startEverything();
  everything = { url: url(), child };
}, 30_000);

afterAll(() => {
  everything.child.kill("SIGTERM");
});

/** A team with the fake model and server-everything, and an agent with `mcpTools` enabled at their policies. */
async function mcpAgent(
  name: string,
  script: (tools: Record<string, string>) => AgentScript,
  policies: Record<string, "never" | "always" | "first_time">,
) {
  const owner = await createTestTeam();
  const provider = await owner.caller.provider.create({ name: `fake-${name}`, baseUrl: app.fake.baseURL, apiKey: `sk-${owner.team.id}` });
  const server = await createMcpServer({
    teamId: owner.team.id,
    userId: owner.user.id,
    input: { transport: "http", name: "Everything", url: everything.url, headers: [] },
  });
  const found = await refreshDiscovery({ teamId: owner.team.id, serverId: server.id });
  expect(found.status, found.lastError ?? "").toBe("up");
  const tools = Object.fromEntries(found.discovery!.tools.map((t) => [t.name, t.exposedName]));
  const agent = await owner.caller.agent.create(
    agentInput({
      name,
      provider: provider.id,
      model: "gpt-4o-mini",
      budgetUsd: 5,
      cooldownSeconds: 1,
      tools: [
        { name: "finish", enabled: true, approval: "never" },
        ...Object.entries(policies).map(([tool, approval]) => ({ name: tools[tool]!, enabled: true, approval })),
      ],
    }),
  );
  app.scripts.set(name, script(tools));
  return { ids: { agentId: agent.id, teamId: owner.team.id, userId: owner.user.id }, tools };
}

async function waitForStatus(agentId: string, statuses: AgentStatus[], timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const agent = await db.agent.findUniqueOrThrow({
      where: { id: agentId },
      select: { status: true, cycleCount: true, statusReason: true },
    });
    if (statuses.includes(agent.status)) return agent;
    if (Date.now() > deadline) throw new Error(`agent stayed ${agent.status} (cycle ${agent.cycleCount}): ${agent.statusReason ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pendingApproval = (agentId: string, kind: "tool" | "outcome") =>
  expect
    .poll(() => db.approval.findFirst({ where: { agentId, kind, status: "pending" }, select: { id: true, toolName: true } }), {
      timeout: 30_000,
    })
    .not.toBeNull()
    .then(() => db.approval.findFirstOrThrow({ where: { agentId, kind, status: "pending" }, select: { id: true, toolName: true } }));

const results = async (agentId: string) =>
  (await db.agentEvent.findMany({ where: { agentId, type: "tool_result" }, orderBy: { seq: "asc" }, select: { payload: true } })).map(
    (e) => e.payload as { name: string; status: string; result?: { text?: string } },
  );

describe("MCP tools through the executor", () => {
  it("calls MCP tools across cycles; an approved call runs, a rejected one does not", async () => {
    const { ids, tools } = await mcpAgent(
      "MCP caller",
      (t) => (cycle) =>
        cycle === 1
          ? toolCall(t.echo!, { message: "first" })
          : cycle === 2
            ? toolCall(t["get-sum"]!, { a: 20, b: 22 })
            : cycle <= 4
              ? toolCall(t["toggle-simulated-logging"]!, {})
              : toolCall("finish", { result: "Used the MCP tools." }),
      { echo: "never", "get-sum": "never", "toggle-simulated-logging": "always" },
    );
    await app.control.startAgent(ids);
    const first = await pendingApproval(ids.agentId, "tool");
    expect(first.toolName).toBe(tools["toggle-simulated-logging"]);
    await app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId: first.id, decision: "approved" });
    await expect
      .poll(() => db.approval.count({ where: { agentId: ids.agentId, status: "pending", NOT: { id: first.id } } }), { timeout: 30_000 })
      .toBe(1);
    const second = await pendingApproval(ids.agentId, "tool");
    await app.control.decideApproval({
      teamId: ids.teamId,
      userId: ids.userId,
      approvalId: second.id,
      decision: "rejected",
      comment: "Not again.",
    });
    expect(await waitForStatus(ids.agentId, ["completed", "failed", "stuck"])).toMatchObject({ status: "completed", cycleCount: 5 });
    const recorded = await results(ids.agentId);
    expect(recorded.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded", "rejected", "succeeded"]);
    expect(recorded[0]!.result!.text).toContain("first");
    expect(recorded[1]!.result!.text).toContain("42");
    // Three MCP calls made, each once, with its receipt; the rejected one never reached the server.
    expect(await db.toolEffect.findMany({ where: { agentId: ids.agentId }, select: { status: true } })).toEqual([
      { status: "succeeded" },
      { status: "succeeded" },
      { status: "succeeded" },
    ]);
  }, 90_000);

  it("a call whose outcome a crash left unknown waits in the inbox; retried, it is called once more with a key of its own, and the agent goes on", async () => {
    const { ids, tools } = await mcpAgent(
      "MCP unknown outcome",
      (t) => (cycle) => (cycle === 1 ? toolCall(t["toggle-simulated-logging"]!, {}) : toolCall("finish", { result: "Settled." })),
      { "toggle-simulated-logging": "never" },
    );
    // What a crash mid-call of cycle 1 leaves behind: the key, long ago, and no receipt.
    await db.toolEffect.create({
      data: {
        agentId: ids.agentId,
        teamId: ids.teamId,
        idempotencyKey: `${ids.agentId}:1:0`,
        toolName: tools["toggle-simulated-logging"]!,
        args: {},
        status: "started",
        createdAt: new Date(Date.now() - 60 * 60_000),
      },
    });
    await app.control.startAgent(ids);
    const held = await pendingApproval(ids.agentId, "outcome");
    expect(await waitForStatus(ids.agentId, ["waiting_approval"])).toMatchObject({ status: "waiting_approval" });
    expect(await results(ids.agentId)).toEqual([]);
    await app.control.decideApproval({
      teamId: ids.teamId,
      userId: ids.userId,
      approvalId: held.id,
      decision: "approved",
      answer: "retry",
    });
    expect(await waitForStatus(ids.agentId, ["completed", "failed", "stuck", "paused"])).toMatchObject({
      status: "completed",
      cycleCount: 2,
    });
    expect((await results(ids.agentId)).map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(
      await db.toolEffect.findMany({
        where: { agentId: ids.agentId },
        orderBy: { createdAt: "asc" },
        select: { idempotencyKey: true, status: true },
      }),
    ).toEqual([
      { idempotencyKey: `${ids.agentId}:1:0`, status: "started" },
      { idempotencyKey: `${ids.agentId}:1:1`, status: "succeeded" },
    ]);
    const decided = await db.agentEvent.findFirstOrThrow({
      where: { agentId: ids.agentId, type: "approval_decided" },
      select: { payload: true },
    });
    expect(decided.payload).toMatchObject({ stage: "outcome", status: "approved", resolution: "retry" });
  }, 90_000);
});
