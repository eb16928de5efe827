import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inngest } from "~/inngest/client";
import { takeApiRequest } from "~/server/api-tokens/rate-limit";
import { handlePublicApi } from "~/server/api/v1/handler";
import { publicApiDocument } from "~/server/api/v1/openapi";
import { writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { encryptSecret } from "~/server/secrets/crypto";
import type { TeamRoleName } from "~/shared/roles";
import { TEAM_ROLES } from "~/shared/roles";
import { agentInput } from "../factories/agent";
import { appendTestEvents } from "../factories/events";
import { createTestMemory } from "../factories/memory";
import { createTestTeam } from "../factories/team";
import { startFakeOpenAI, type FakeOpenAI } from "../fixtures/fake-openai";

/**
 * The public API against its own OpenAPI document: every documented operation is called through the
 * real handler (token, rate limit, trpc-to-openapi, the domain functions, PostgreSQL) and must answer
 * with its documented schema; a token one role too low is refused with 403, and a token of another
 * team never sees or touches this team's resources. The table below must name every operation the
 * document lists (and only those), so a new route cannot land without a contract.
 */
const BASE = "http://longhaul.test/api/v1";
const KEY = "sk-api-contract-secret-7Qz9";

type Call = { path: string; query?: Record<string, string>; body?: unknown; contentType?: string };
type Team = Awaited<ReturnType<typeof createTestTeam>> & { tokens: Record<TeamRoleName, string> };
type Contract = {
  minRole: TeamRoleName;
  /** Makes what the call needs in `team` (fresh for destructive calls) and returns the call. */
  prepare: (team: Team) => Promise<Call>;
  /** Whether the call names one resource (another team's token gets 404) or lists (it sees none of ours). */
  scoped: "resource" | "collection";
  status?: number;
};

let fake: FakeOpenAI;
let teamA: Team;
let teamB: Team;
const sent: unknown[] = [];

async function withTokens(team: Awaited<ReturnType<typeof createTestTeam>>): Promise<Team> {
  const tokens = {} as Record<TeamRoleName, string>;
  for (const role of TEAM_ROLES) tokens[role] = (await team.caller.apiToken.create({ name: `${role} token`, role })).token;
  return { ...team, tokens };
}

async function call(token: string | null, method: string, { path, query, body, contentType }: Call) {
  const url = new URL(`${BASE}${path}`);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (body !== undefined) headers.set("content-type", contentType ?? "application/json");
  const response = await handlePublicApi(
    new Request(url, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }),
  );
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.includes("application/json");
  return { status: response.status, headers: response.headers, text, json: isJson && text ? (JSON.parse(text) as unknown) : null };
}

async function agentOf(team: Team, overrides: Parameters<typeof agentInput>[0] = {}, status?: "running" | "paused") {
  const agent = await team.caller.agent.create(agentInput({ budgetUsd: "5", ...overrides }));
  if (status) await db.agent.updateMany({ where: { id: agent.id }, data: { status } });
  return agent;
}

/** An agent with a cycle 1 in its history (a thought and a tool call's result), for the trace routes. */
async function agentWithCycle(team: Team) {
  const agent = await agentOf(team);
  await appendTestEvents({ agentId: agent.id, teamId: team.team.id }, [
    {
      cycle: 1,
      type: "thought",
      payload: { content: "Looking.", call: { name: "finish", arguments: "{}" }, model: "gpt-4o-mini" },
      durationMs: 40,
    },
    { cycle: 1, type: "tool_result", payload: { name: "finish", status: "succeeded" } },
  ]);
  return agent.id;
}

async function providerOf(team: Team) {
  return team.caller.provider.create({ name: `p-${Math.random().toString(36).slice(2, 8)}`, baseUrl: fake.baseURL, apiKey: KEY });
}

const CONTRACTS: Record<string, Contract> = {
  "team-whoami": { minRole: "viewer", scoped: "collection", prepare: async () => ({ path: "/team" }) },
  "agents-list": { minRole: "viewer", scoped: "collection", prepare: async () => ({ path: "/agents", query: { limit: "5" } }) },
  "agents-create": {
    minRole: "member",
    scoped: "collection",
    prepare: async () => ({ path: "/agents", body: agentInput({ name: `api-${Math.random().toString(36).slice(2, 8)}`, budgetUsd: "2" }) }),
  },
  "traces-get": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${await agentWithCycle(t)}/cycles/1/trace` }),
  },
  "traces-otlp": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${await agentWithCycle(t)}/cycles/1/trace/otlp` }),
  },
  "fleet-cycles": {
    minRole: "viewer",
    scoped: "collection",
    prepare: async (t) => (await agentWithCycle(t), { path: "/cycles", query: { window: "7d", limit: "5" } }),
  },
  "fleet-runs": { minRole: "viewer", scoped: "collection", prepare: async () => ({ path: "/runs", query: { status: "failed" } }) },
  "agents-get": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}` }) },
  "agents-settings": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/settings` }),
  },
  "agents-update": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}`, body: { goal: "A goal changed through the API." } }),
  },
  "agents-start": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/start`, body: {} }),
  },
  "agents-resume": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t, {}, "paused")).id}/resume`, body: {} }),
  },
  "agents-pause": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t, {}, "running")).id}/pause`, body: {} }),
  },
  "agents-stop": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t, {}, "running")).id}/stop`, body: { reason: "done through the API" } }),
  },
  "agents-fork": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      await writeSnapshot({ agentId: agent.id, teamId: t.team.id, cycle: 0 });
      return { path: `/agents/${agent.id}/fork`, body: { cycle: 0 } };
    },
  },
  "agents-delete": { minRole: "admin", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}` }) },
  "agents-archive": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/archive`, body: {} }),
  },
  "agents-restore": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      await db.agent.update({ where: { id: agent.id }, data: { archivedAt: new Date() } });
      return { path: `/agents/${agent.id}/restore`, body: {} };
    },
  },
  "agents-raiseBudget": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/budget`, body: { budgetUsd: "9" } }),
  },
  "agents-timeline": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      await appendTestEvents({ agentId: agent.id, teamId: t.team.id }, [{ cycle: 1, type: "thought", payload: { text: "hello" } }]);
      return { path: `/agents/${agent.id}/timeline` };
    },
  },
  "agents-events": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      await appendTestEvents({ agentId: agent.id, teamId: t.team.id }, [{ cycle: 1, type: "thought", payload: { text: "hello" } }]);
      return { path: `/agents/${agent.id}/events`, query: { after: "0" } };
    },
  },
  "agents-state": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/state` }) },
  "agents-spend": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/spend` }) },
  "agents-tree": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/tree` }) },
  "agents-export": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/export` }) },
  "agents-import": {
    minRole: "member",
    scoped: "collection",
    status: 201,
    prepare: async (t) => {
      const source = await agentOf(t);
      const exported = await call(t.tokens.viewer, "GET", { path: `/agents/${source.id}/export` });
      expect(exported.status).toBe(200);
      return { path: "/agents/import", body: exported.text, contentType: "application/x-ndjson" };
    },
  },
  "providers-embedder": { minRole: "viewer", scoped: "collection", prepare: async () => ({ path: "/embedder" }) },
  "providers-setEmbedder": {
    minRole: "admin",
    scoped: "collection",
    prepare: async (t) => ({
      path: "/embedder",
      body: { choice: { kind: "provider", providerId: (await providerOf(t)).id, model: "text-embedding-3-small" } },
    }),
  },
  "providers-summarizer": { minRole: "viewer", scoped: "collection", prepare: async () => ({ path: "/summarizer" }) },
  "providers-setSummarizer": {
    minRole: "admin",
    scoped: "collection",
    prepare: async () => ({ path: "/summarizer", body: { providerId: null } }),
  },
  "agents-restoreSummary": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => {
      // A fold the model rewrote: the agent's summary is the model's, the event keeps what it replaced.
      const agent = await agentOf(t);
      const next = "The model's summary of cycles 1-5.";
      await db.agent.updateMany({ where: { id: agent.id }, data: { summary: next, summaryThroughCycle: 5 } });
      const [event] = await appendTestEvents({ agentId: agent.id, teamId: t.team.id }, [
        {
          cycle: 10,
          type: "summary",
          payload: { stage: "fold", by: "model", fromCycle: 1, throughCycle: 5, previous: "", next, lines: ["c1: looked", "c2: wrote"] },
        },
      ]);
      return { path: `/agents/${agent.id}/summary/restore`, body: { seq: event!.seq } };
    },
  },
  "providers-list": { minRole: "viewer", scoped: "collection", prepare: async (t) => (await providerOf(t), { path: "/providers" }) },
  "providers-create": {
    minRole: "admin",
    scoped: "collection",
    prepare: async () => ({
      path: "/providers",
      body: { name: `new-${Math.random().toString(36).slice(2, 8)}`, baseUrl: fake.baseURL, apiKey: KEY },
    }),
  },
  "providers-get": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}` }) },
  "providers-update": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}`, body: { timeoutSeconds: 30 } }),
  },
  "providers-rotateKey": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}/key`, body: { apiKey: `${KEY}-2` } }),
  },
  "providers-test": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}/test`, body: {} }),
  },
  "providers-delete": { minRole: "admin", scoped: "resource", prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}` }) },
  "providers-prices": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => ({ path: `/providers/${(await providerOf(t)).id}/prices` }),
  },
  "providers-setPrice": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({
      path: `/providers/${(await providerOf(t)).id}/prices`,
      body: { model: "fake-model", inputPerMillion: 1.5, outputPerMillion: 3 },
    }),
  },
  "providers-deletePrice": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => {
      const provider = await providerOf(t);
      await t.caller.provider.setPrice({ id: provider.id, model: "fake-model", inputPerMillion: 1, outputPerMillion: 2 });
      return { path: `/providers/${provider.id}/prices`, query: { model: "fake-model" } };
    },
  },
  "deliveries-list": { minRole: "viewer", scoped: "collection", prepare: async (t) => (await deadDeliveryOf(t), { path: "/deliveries" }) },
  "deliveries-resend": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/deliveries/${await deadDeliveryOf(t)}/resend`, body: {} }),
  },
  "approvals-list": { minRole: "viewer", scoped: "collection", prepare: async (t) => (await approvalOf(t), { path: "/approvals" }) },
  "approvals-decide": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/approvals/${(await approvalOf(t)).id}/decision`, body: { decision: "approved", comment: "fine" } }),
  },
  "memories-list": {
    minRole: "viewer",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      await createTestMemory({ agentId: agent.id, teamId: t.team.id }, { content: "The deploy window is Tuesday." });
      return { path: `/agents/${agent.id}/memories`, query: { query: "deploy" } };
    },
  },
  "memories-pin": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/memories/${(await memoryOf(t)).id}/pinned`, body: { pinned: true } }),
  },
  "memories-forget": { minRole: "member", scoped: "resource", prepare: async (t) => ({ path: `/memories/${(await memoryOf(t)).id}` }) },
  "share-list": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/share-links` }) },
  "share-create": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => ({ path: `/agents/${(await agentOf(t)).id}/share-links`, body: { redactToolData: true } }),
  },
  "share-revoke": {
    minRole: "member",
    scoped: "resource",
    prepare: async (t) => {
      const agent = await agentOf(t);
      const { link } = await t.caller.share.create({ agentId: agent.id });
      return { path: `/share-links/${link.id}` };
    },
  },
  "mcp-list": { minRole: "viewer", scoped: "collection", prepare: async (t) => (await mcpServerOf(t), { path: "/mcp-servers" }) },
  "mcp-create": {
    minRole: "admin",
    scoped: "collection",
    prepare: async () => ({
      path: "/mcp-servers",
      body: {
        transport: "http",
        name: `mcp-${Math.random().toString(36).slice(2, 8)}`,
        url: "http://93.184.215.14/mcp",
        headers: [{ name: "Authorization", value: `Bearer ${KEY}` }],
      },
    }),
  },
  "mcp-get": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/mcp-servers/${await mcpServerOf(t)}` }) },
  "mcp-update": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({
      path: `/mcp-servers/${await mcpServerOf(t)}`,
      body: { name: `renamed-${Math.random().toString(36).slice(2, 8)}`, headers: [{ name: "X-Api-Key", value: KEY }] },
    }),
  },
  "mcp-delete": { minRole: "admin", scoped: "resource", prepare: async (t) => ({ path: `/mcp-servers/${await mcpServerOf(t)}` }) },
  "mcp-refresh": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/mcp-servers/${await mcpServerOf(t)}/refresh`, body: {} }),
  },
  "notificationRules-list": {
    minRole: "viewer",
    scoped: "collection",
    prepare: async (t) => (await ruleOf(t), { path: "/notification-rules" }),
  },
  "notificationRules-create": {
    minRole: "admin",
    // The body names a channel of the team: another team's token gets 404 for it.
    scoped: "resource",
    prepare: async (t) => ({ path: "/notification-rules", body: await ruleBody(t) }),
  },
  "notificationRules-update": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/notification-rules/${await ruleOf(t)}`, body: await ruleBody(t) }),
  },
  "notificationRules-delete": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/notification-rules/${await ruleOf(t)}` }),
  },
  "channels-list": { minRole: "viewer", scoped: "collection", prepare: async (t) => (await channelOf(t), { path: "/channels" }) },
  "channels-create": {
    minRole: "admin",
    scoped: "collection",
    prepare: async () => ({
      path: "/channels",
      body: { kind: "slack", name: `ch-${Math.random().toString(36).slice(2, 8)}`, url: `https://93.184.215.14/services/${KEY}` },
    }),
  },
  "channels-get": { minRole: "viewer", scoped: "resource", prepare: async (t) => ({ path: `/channels/${await channelOf(t)}` }) },
  "channels-update": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({
      path: `/channels/${await channelOf(t)}`,
      body: { name: `renamed-${Math.random().toString(36).slice(2, 8)}` },
    }),
  },
  "channels-delete": { minRole: "admin", scoped: "resource", prepare: async (t) => ({ path: `/channels/${await channelOf(t)}` }) },
  "channels-test": {
    minRole: "admin",
    scoped: "resource",
    prepare: async (t) => ({ path: `/channels/${await channelOf(t)}/test`, body: {} }),
  },
};

/** An outgoing webhook of the team at a loopback URL, written directly: the app's guard refuses a Send test before any connection. */
async function channelOf(t: Team) {
  const row = await db.channel.create({
    data: {
      teamId: t.team.id,
      name: `ch-${Math.random().toString(36).slice(2, 10)}`,
      kind: "webhook",
      secretsCiphertext: encryptSecret(JSON.stringify({ url: `http://127.0.0.1:9/${KEY}`, signingSecret: KEY }), t.team.id),
      targetHint: "127.0.0.1:9 …hook",
    },
    select: { id: true },
  });
  return row.id;
}

async function ruleBody(t: Team) {
  const name = `rule-${Math.random().toString(36).slice(2, 10)}`;
  return { name, kinds: ["approval_requested", "failed"], channelIds: [await channelOf(t)], minIntervalSeconds: 300, isEnabled: true };
}

async function ruleOf(t: Team) {
  const body = await ruleBody(t);
  return (await db.notificationRule.create({ data: { teamId: t.team.id, ...body }, select: { id: true } })).id;
}

/**
 * A remote MCP server of the team, written directly: its loopback URL would be refused at creation,
 * and under the app's defaults a refresh is refused by the outbound guard before any connection (down, with why).
 */
async function mcpServerOf(t: Team) {
  const name = `mcp-${Math.random().toString(36).slice(2, 10)}`;
  const row = await db.mcpServer.create({
    data: { teamId: t.team.id, name, slug: name, transport: "http", url: "http://127.0.0.1:9/mcp", headerNames: [] },
    select: { id: true },
  });
  return row.id;
}

/** A dead-lettered delivery of the team (on a webhook channel of its own that nothing reaches). */
async function deadDeliveryOf(t: Team) {
  const channel = await db.channel.create({
    data: {
      teamId: t.team.id,
      name: `hook-${Math.random().toString(36).slice(2, 10)}`,
      kind: "webhook",
      secretsCiphertext: encryptSecret(JSON.stringify({ url: "http://127.0.0.1:9/hook", signingSecret: "api-signing-secret" }), t.team.id),
    },
    select: { id: true },
  });
  const delivery = await db.channelDelivery.create({
    data: {
      teamId: t.team.id,
      channelId: channel.id,
      messageId: `m-${Math.random()}`,
      source: "test",
      message: { title: "t", text: "x" },
      status: "dead",
      attempts: 6,
    },
    select: { id: true },
  });
  return delivery.id;
}

async function approvalOf(t: Team) {
  const agent = await agentOf(t, {}, "running");
  await db.agent.updateMany({ where: { id: agent.id }, data: { status: "waiting_approval" } });
  return db.approval.create({
    data: {
      agentId: agent.id,
      teamId: t.team.id,
      cycle: 1,
      kind: "tool",
      toolName: "send_message",
      toolArgs: { text: "hi" },
      reason: "asks",
    },
  });
}

async function memoryOf(t: Team) {
  const agent = await agentOf(t);
  return createTestMemory({ agentId: agent.id, teamId: t.team.id }, { content: `remember ${Math.random()}` });
}

const document = publicApiDocument();
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, { operationId: string; responses: Record<string, unknown> }>).map(([method, op]) => ({
    path,
    method: method.toUpperCase(),
    op,
  })),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: "https://longhaul.test/openapi", components: document.components }, "openapi");

/** The documented schema of a status's JSON answer, with its #/components references resolved in the document. */
function validatorOf(op: { responses: Record<string, unknown> }, status: number) {
  const response = op.responses[String(status)] as { content?: Record<string, { schema: unknown }> } | undefined;
  const schema = response?.content?.["application/json"]?.schema;
  if (!schema) return null;
  const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"https://longhaul.test/openapi#/components/'));
  return ajv.compile(rebased as object);
}

beforeAll(async () => {
  fake = await startFakeOpenAI();
  vi.spyOn(inngest, "send").mockImplementation(async (payload) => {
    sent.push(payload);
    return { ids: [] };
  });
  teamA = await withTokens(await createTestTeam());
  teamB = await withTokens(await createTestTeam());
});

afterAll(async () => {
  vi.restoreAllMocks();
  await fake?.stop();
});

describe("public API contract (OpenAPI 3.1)", () => {
  it("documents exactly the operations this contract covers", () => {
    expect(document.openapi).toMatch(/^3\.1/);
    expect(operations.map((o) => o.op.operationId).sort()).toEqual(Object.keys(CONTRACTS).sort());
  });

  for (const { method, op } of operations) {
    const contract = () => CONTRACTS[op.operationId]!;
    it(`${method} ${op.operationId}: documented answer, role and team enforced`, async () => {
      const { minRole, scoped, prepare, status = 200 } = contract();

      // One role too low: refused, and nothing happens.
      const below = TEAM_ROLES[TEAM_ROLES.indexOf(minRole) - 1];
      if (below) {
        const refused = await call(teamA.tokens[below], method, await prepare(teamA));
        expect(refused.status, refused.text).toBe(403);
        expect(refused.json).toMatchObject({ error: { code: "FORBIDDEN", message: expect.stringContaining(`acts as ${below}`) } });
        expect(validatorOf(op, 403)?.(refused.json)).toBe(true);
      }

      // Another team's token with this team's ids: not found (a resource) or none of ours (a list).
      const ours = await prepare(teamA);
      const foreign = await call(teamB.tokens.owner, method, ours);
      if (scoped === "resource") {
        expect(foreign.status, foreign.text).toBe(404);
        expect(validatorOf(op, 404)?.(foreign.json)).toBe(true);
      } else {
        expect(foreign.text).not.toContain(teamA.team.id);
      }

      // The role it needs: the documented answer.
      const answered = await call(teamA.tokens[minRole], method, ours);
      expect(answered.status, answered.text).toBe(status);
      expect(answered.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
      expect(answered.text).not.toContain(KEY);
      const validate = validatorOf(op, status);
      if (validate) {
        const valid = validate(answered.json);
        expect(valid, JSON.stringify(validate.errors)).toBe(true);
      } else {
        expect(answered.headers.get("content-type")).toContain("application/x-ndjson");
        expect(JSON.parse(answered.text.split("\n")[0]!)).toMatchObject({ kind: "longhaul.agent-export" });
      }
    });
  }

  it("does what it says: an agent created, changed, started, listed and read back", async () => {
    const created = await call(teamA.tokens.member, "POST", { path: "/agents", body: agentInput({ name: "scripted", budgetUsd: "3" }) });
    const id = (created.json as { id: string }).id;
    const changed = await call(teamA.tokens.member, "PATCH", { path: `/agents/${id}`, body: { cooldownSeconds: 5 } });
    expect(changed.json).toMatchObject({ changed: ["cooldownSeconds"] });
    expect((await db.agent.findUniqueOrThrow({ where: { id } })).cooldownSeconds).toBe(5);
    const started = await call(teamA.tokens.member, "POST", { path: `/agents/${id}/start`, body: {} });
    expect(started.json).toMatchObject({ id, status: "running" });
    const listed = await call(teamA.tokens.viewer, "GET", { path: "/agents", query: { search: "scripted" } });
    expect(listed.json).toMatchObject({ items: [expect.objectContaining({ id, name: "scripted" })], total: 1 });
    expect(await db.auditLog.count({ where: { teamId: teamA.team.id, targetId: id, action: "agent.start", actorId: teamA.user.id } })).toBe(
      1,
    );
  });

  it("names the people behind events, as the dashboard's timeline does, never by user id", async () => {
    const eventSchema = (document.components?.schemas as Record<string, { required?: string[]; properties?: object }>).Event!;
    expect(eventSchema.required).toContain("actorName");
    expect(eventSchema.properties).toHaveProperty("actorName");

    const agent = await agentOf(teamA, {}, "running");
    await db.agent.update({ where: { id: agent.id }, data: { cycleCount: 2 } });
    expect((await call(teamA.tokens.member, "POST", { path: `/agents/${agent.id}/pause`, body: {} })).status).toBe(200);
    await appendTestEvents({ agentId: agent.id, teamId: teamA.team.id }, [
      { cycle: 3, type: "thought", payload: { content: "Asking first." } },
      { cycle: 3, type: "approval_decided", payload: { approvalId: crypto.randomUUID(), status: "approved", decidedBy: "Olivia Owner" } },
      {
        cycle: 3,
        type: "approval_decided",
        payload: { approvalId: crypto.randomUUID(), status: "expired", timedOut: true, decidedBy: null },
      },
    ]);
    const expected = [
      { type: "status_change", actorName: "Olivia Owner" },
      { type: "thought", actorName: null },
      { type: "approval_decided", actorName: "Olivia Owner" },
      { type: "approval_decided", actorName: null },
    ];
    const named = (events: { type: string; actorName?: unknown }[]) => events.map(({ type, actorName }) => ({ type, actorName }));

    const events = await call(teamA.tokens.viewer, "GET", { path: `/agents/${agent.id}/events`, query: { after: "0" } });
    expect(events.status, events.text).toBe(200);
    expect(named((events.json as { events: { type: string; actorName?: unknown }[] }).events)).toEqual(expected);
    const timeline = await call(teamA.tokens.viewer, "GET", { path: `/agents/${agent.id}/timeline` });
    expect(timeline.status, timeline.text).toBe(200);
    const cycles = (timeline.json as { cycles: { cycle: number; events: { type: string; actorName?: unknown }[] }[] }).cycles;
    expect(named(cycles.flatMap((c) => c.events))).toEqual(
      // Newest cycle first: the decisions of cycle 3, then the pause at cycle 2.
      [...expected.slice(1), expected[0]],
    );
  });

  it("MCP servers: header values are write-only, fields of the other transport are refused, local ones need the operator", async () => {
    const created = await call(teamA.tokens.admin, "POST", {
      path: "/mcp-servers",
      body: { transport: "http", name: "Scripted MCP", url: "http://93.184.215.14/mcp", headers: [{ name: "Authorization", value: KEY }] },
    });
    expect(created.status, created.text).toBe(200);
    const id = (created.json as { id: string }).id;
    const read = await call(teamA.tokens.viewer, "GET", { path: `/mcp-servers/${id}` });
    expect(read.json).toMatchObject({ id, headerNames: ["Authorization"], status: "unknown", transport: "http" });
    expect(read.text).not.toContain(KEY);
    const row = await db.mcpServer.findUniqueOrThrow({ where: { id }, select: { headersCiphertext: true } });
    expect(row.headersCiphertext).toMatch(/^v1\./);

    const wrongKind = await call(teamA.tokens.admin, "POST", {
      path: "/mcp-servers",
      body: { transport: "stdio", name: "Mixed", command: "npx", url: "http://93.184.215.14/mcp" },
    });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.json).toMatchObject({ error: { fieldErrors: { url: ["A local server has a command, not a URL or headers."] } } });
    const noUrl = await call(teamA.tokens.admin, "POST", { path: "/mcp-servers", body: { transport: "http", name: "No URL" } });
    expect(noUrl.status).toBe(422);
    expect(Object.keys((noUrl.json as { error: { fieldErrors: object } }).error.fieldErrors)).toEqual(["url"]);
    const patched = await call(teamA.tokens.admin, "PATCH", { path: `/mcp-servers/${id}`, body: { command: "npx" } });
    expect(patched.status).toBe(422);
    expect(patched.json).toMatchObject({ error: { fieldErrors: { command: ["A remote server has a URL, not a command."] } } });
    // The test runner is an instance without LONGHAUL_MCP_STDIO=on.
    const local = await call(teamA.tokens.admin, "POST", {
      path: "/mcp-servers",
      body: { transport: "stdio", name: "Local", command: "npx" },
    });
    expect(local.status).toBe(403);
    expect(local.json).toMatchObject({ error: { message: expect.stringContaining("LONGHAUL_MCP_STDIO=on") } });
    expect((await call(teamA.tokens.admin, "DELETE", { path: `/mcp-servers/${id}` })).json).toEqual({ ok: true });
    expect(await db.mcpServer.count({ where: { id } })).toBe(0);
  });

  it("refuses without a token, with a bad or revoked one, and says what to do", async () => {
    const none = await call(null, "GET", { path: "/agents" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(none.json).toMatchObject({ error: { code: "UNAUTHORIZED", message: expect.stringContaining("Authorization: Bearer") } });
    const wrong = await call("lh_not-a-real-token-at-all-000000000000000000000", "GET", { path: "/agents" });
    expect(wrong.json).toMatchObject({ error: { code: "UNAUTHORIZED", message: expect.stringContaining("not valid") } });
    const { token, apiToken } = await teamA.caller.apiToken.create({ name: "short-lived", role: "viewer" });
    expect((await call(token, "GET", { path: "/team" })).json).toMatchObject({
      team: { id: teamA.team.id },
      role: "viewer",
      tokenId: apiToken.id,
    });
    await teamA.caller.apiToken.revoke({ id: apiToken.id });
    expect((await call(token, "GET", { path: "/team" })).status).toBe(401);
  });

  it("answers bad requests with specific errors: fields (422), JSON (400), size (413), routes (404), conflicts (409)", async () => {
    const invalid = await call(teamA.tokens.member, "POST", { path: "/agents", body: { name: "", goal: "short", model: "x" } });
    expect(invalid.status).toBe(422);
    expect(invalid.json).toMatchObject({
      error: {
        code: "UNPROCESSABLE_CONTENT",
        fieldErrors: { name: expect.arrayContaining(["Give the agent a name."]), goal: ["Describe the goal in at least 10 characters."] },
      },
    });
    const notJson = await call(teamA.tokens.member, "POST", { path: "/agents", body: "{not json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ error: { message: "The request body is not valid JSON." } });
    const huge = await call(teamA.tokens.member, "POST", { path: "/agents", body: { name: "x", goal: "y".repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    const unknown = await call(teamA.tokens.viewer, "GET", { path: "/agentz" });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { message: expect.stringContaining("openapi.json") } });
    const badId = await call(teamA.tokens.viewer, "GET", { path: "/agents/not-a-uuid" });
    expect(badId.status).toBe(422);
    expect(badId.json).toMatchObject({ error: { fieldErrors: { id: ["That agent id is not valid."] } } });
    const running = await agentOf(teamA, {}, "running");
    const conflict = await call(teamA.tokens.admin, "DELETE", { path: `/agents/${running.id}` });
    expect(conflict.status).toBe(409);
    expect(conflict.json).toMatchObject({ error: { message: "The agent is running; stop it first, then delete it." } });
    const raise = await call(teamA.tokens.member, "PATCH", { path: `/agents/${running.id}`, body: { budgetUsd: "500" } });
    expect(raise.status).toBe(403);
  });

  it("limits requests per token in a window shared by every process, with the time to wait", async () => {
    const tokenId = crypto.randomUUID();
    const now = Date.now();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await takeApiRequest({ tokenId, limit: 3, now: now + i }));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]).toMatchObject({ remaining: 0, retryAfterSeconds: 60 });
    expect((await takeApiRequest({ tokenId, limit: 3, now: now + 60_001 })).allowed).toBe(true);
  });
});
