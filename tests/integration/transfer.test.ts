import { describe, expect, it } from "vitest";
import { generateExport } from "~/bench/import-data";
import { GET as exportRoute } from "~/app/api/agents/[id]/export/route";
import { POST as importRoute } from "~/app/api/agents/import/route";
import { writeSnapshot } from "~/server/agents/events";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import { rememberFact } from "~/server/memory/memories";
import { parseExport } from "~/server/transfer/import-format";
import { claimImport, discardAbandonedImports, IMPORT_STALE_SECONDS, importLimits, writeImport } from "~/server/transfer/import";
import { agentInput } from "../factories/agent";
import { appendTestEvents } from "../factories/events";
import { createTestMemory } from "../factories/memory";
import { addTestMember, createTestTeam } from "../factories/team";

const APP = new URL(env.APP_URL);

async function download(agentId: string, headers: Headers) {
  const response = await exportRoute(new Request(`${APP.origin}/api/agents/${agentId}/export`, { headers }), {
    params: Promise.resolve({ id: agentId }),
  });
  return { response, text: response.ok ? await response.text() : "" };
}

function upload(body: string, headers: Headers, extra: Record<string, string> = {}) {
  return importRoute(
    new Request(`${APP.origin}/api/agents/import`, {
      method: "POST",
      headers: new Headers([...headers.entries(), ["content-type", "application/x-ndjson"], ...Object.entries(extra)]),
      body,
    }),
  );
}

/** An agent with every kind of history row. */
async function seededAgent() {
  const owner = await createTestTeam();
  const agent = await owner.caller.agent.create(agentInput({ name: "Exported agent" }));
  const ids = { agentId: agent.id, teamId: owner.team.id };
  for (let cycle = 1; cycle <= 30; cycle++) {
    const [thought] = await appendTestEvents(ids, [
      { cycle, type: "thought", payload: { content: `thinking ${cycle}` }, tokensIn: 10, costUsd: "0.001" },
      { cycle, type: "tool_call", payload: { name: "update_world_state", arguments: `{"n":${cycle}}` } },
    ]);
    await db.spendEntry.create({
      data: { ...ids, eventId: thought!.id, kind: "model", state: "committed", model: "gpt-4o-mini", tokensIn: 10, costUsd: "0.001" },
    });
    await db.agent.update({
      where: { id: agent.id },
      data: { cycleCount: cycle, worldState: { cycle }, spentUsd: { increment: "0.001" } },
    });
    if (cycle % 10 === 0) await writeSnapshot({ ...ids, cycle });
  }
  await db.spendEntry.create({ data: { ...ids, kind: "tool", state: "reserved", costUsd: "0.5" } });
  await createTestMemory(ids, { content: "Saw the pricing page change." });
  await rememberFact({ ...ids, key: "plan", content: "Plan: pro", source: "test", confidence: 0.9, importance: 0.6 });
  await db.approval.create({
    data: { ...ids, cycle: 4, kind: "tool", status: "approved", toolName: "send_message", reason: "Send?", comment: "Fine." },
  });
  await db.approval.create({ data: { ...ids, cycle: 30, kind: "question", status: "pending", reason: "Keep going?" } });
  return { owner, agent, ids };
}

describe("export and import", () => {
  it("round-trips a full history into another team as a read-only archive", async () => {
    const { owner, agent } = await seededAgent();
    const { response, text } = await download(agent.id, owner.headers);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(/attachment; filename="Exported-agent-\d{4}-\d{2}-\d{2}\.jsonl"/);
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string });
    const count = (kind: string) => lines.filter((l) => l.kind === kind).length;
    expect(lines[0]).toMatchObject({ kind: "longhaul.agent-export", version: 1 });
    expect(lines[1]).toMatchObject({ kind: "agent", name: "Exported agent", cycleCount: 30 });
    expect({ events: count("event"), snapshots: count("snapshot"), memories: count("memory"), facts: count("fact") }).toEqual({
      events: 60,
      snapshots: 3,
      memories: 2,
      facts: 1,
    });
    expect({ approvals: count("approval"), spend: count("spend") }).toEqual({ approvals: 2, spend: 31 });

    const other = await createTestTeam();
    const imported = await upload(text, other.headers);
    expect(imported.status).toBe(201);
    const result = (await imported.json()) as { agent: { id: string; name: string; status: string }; counts: Record<string, number> };
    expect(result.agent).toMatchObject({ name: "Exported agent (imported)", status: "archived" });
    expect(result.counts).toEqual({ events: 60, snapshots: 3, memories: 2, facts: 1, approvals: 2, spend: 31 });

    const copy = await db.agent.findUniqueOrThrow({ where: { id: result.agent.id } });
    expect(copy).toMatchObject({ teamId: other.team.id, isReadOnly: true, cycleCount: 30, lastEventSeq: 60, worldState: { cycle: 30 } });
    expect(copy.spentUsd.toString()).toBe("0.03");
    const events = await db.agentEvent.findMany({ where: { agentId: copy.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.payload)[58]).toEqual({ content: "thinking 30" });
    const vectors = await db.$queryRaw<
      { embedding: string }[]
    >`SELECT embedding::text AS embedding FROM memory WHERE "agentId" = ${copy.id}::uuid AND embedding IS NOT NULL`;
    expect(vectors).toHaveLength(1);
    expect(JSON.parse(vectors[0]!.embedding)).toHaveLength(1536);
    const approvals = await db.approval.findMany({ where: { agentId: copy.id }, orderBy: { cycle: "asc" } });
    expect(approvals.map((a) => a.status)).toEqual(["approved", "cancelled"]);
    const spend = await db.spendEntry.groupBy({ by: ["state"], where: { agentId: copy.id }, _sum: { costUsd: true } });
    expect(Object.fromEntries(spend.map((s) => [s.state, s._sum.costUsd?.toString()]))).toEqual({ committed: "0.03", released: "0.5" });
    expect(await db.spendEntry.count({ where: { agentId: copy.id, eventId: { not: null } } })).toBe(30);

    // The archive is read-only: it cannot run or be edited; the team sees its history.
    await expect(other.caller.agent.start({ id: copy.id })).rejects.toMatchObject({ code: "CONFLICT" });
    const { settings, version } = await other.caller.agent.settings({ id: copy.id });
    await expect(other.caller.agent.update({ id: copy.id, version, ...settings, goal: "Try to change an archive." })).rejects.toThrow(
      "This agent is a read-only archive; its settings can't be changed.",
    );
    expect((await other.caller.agent.timeline({ id: copy.id })).cycles[0]!.cycle).toBe(30);
    expect(await db.auditLog.count({ where: { teamId: owner.team.id, action: "agent.export", targetId: agent.id } })).toBe(1);
    expect(await db.auditLog.count({ where: { teamId: other.team.id, action: "agent.import", targetId: copy.id } })).toBe(1);

    // A second import of the same file gets the next free name.
    const again = (await (await upload(text, other.headers)).json()) as { agent: { name: string } };
    expect(again.agent.name).toBe("Exported agent (imported 2)");
  });

  it("explains a bad file by line and imports nothing", async () => {
    const { owner, agent } = await seededAgent();
    const { text } = await download(agent.id, owner.headers);
    const lines = text.trim().split("\n");
    const other = await createTestTeam();
    const cases: [string, number, string][] = [
      ["", 400, "The file is empty or has no agent line. Nothing was imported."],
      ['{"hello":"world"}', 400, "Line 1: this is not a Longhaul agent export (the first line must be its header). Nothing was imported."],
      [lines.map((l, i) => (i === 2 ? "{not json" : l)).join("\n"), 400, "Line 3: not valid JSON. Nothing was imported."],
      [lines.map((l, i) => (i === 0 ? l.replace('"version":1', '"version":7') : l)).join("\n"), 400, "this Longhaul reads version 1"],
      [
        [
          ...lines,
          '{"kind":"event","seq":1,"cycle":1,"type":"thought","payload":{},"tokensIn":0,"tokensOut":0,"costUsd":"0","createdAt":"2026-11-27T00:00:00.000Z"}',
        ].join("\n"),
        400,
        "event seq 1 appears twice",
      ],
      [
        [
          ...lines,
          '{"kind":"memory","memoryKind":"episode","content":"x","embedding":[1,2],"embedder":"e","importance":0.5,"recallCount":0,"isPinned":false,"metadata":{},"createdAt":"2026-11-27T00:00:00.000Z"}',
        ].join("\n"),
        400,
        "embedding must have 1536 numbers",
      ],
      [[...lines, '{"kind":"weather"}'].join("\n"), 400, "must have a kind of event, snapshot, memory, fact, approval or spend"],
      // Valid JSON that PostgreSQL cannot store: caught by the check, not half-way through the writing.
      [
        [
          ...lines,
          '{"kind":"event","seq":999,"cycle":31,"type":"thought","payload":{"content":"a\\u0000b"},"tokensIn":0,"tokensOut":0,"costUsd":"0","createdAt":"2026-11-27T00:00:00.000Z"}',
        ].join("\n"),
        400,
        `Line ${lines.length + 1}: a text contains \\u0000 (a NUL character), which the database cannot store. Nothing was imported.`,
      ],
    ];
    for (const [body, status, message] of cases) {
      const response = await upload(body, other.headers);
      expect(response.status, message).toBe(status);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(message);
    }
    const huge = await upload("x", other.headers, { "content-length": String(60 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { message: string } }).error.message).toBe(
      `The file is larger than ${importLimits().maxMegabytes} MB. Nothing was imported.`,
    );
    expect(await db.agent.count({ where: { teamId: other.team.id } })).toBe(0);
  });

  it("export is for the agent's team only; import needs a member; both need a session; cross-site uploads are refused", async () => {
    const { owner, agent } = await seededAgent();
    const stranger = await createTestTeam();
    const foreign = await download(agent.id, stranger.headers);
    const unknown = await download("00000000-0000-4000-8000-000000000000", stranger.headers);
    expect(foreign.response.status).toBe(404);
    expect(await foreign.response.json()).toEqual(await unknown.response.json());
    expect((await download(agent.id, new Headers())).response.status).toBe(401);
    const viewer = await addTestMember(owner.team.id, "viewer");
    expect((await download(agent.id, viewer.headers)).response.status).toBe(200);
    const { text } = await download(agent.id, owner.headers);
    expect((await upload(text, viewer.headers)).status).toBe(403);
    expect((await upload(text, new Headers())).status).toBe(401);
    expect((await upload(text, owner.headers, { origin: "https://evil.example" })).status).toBe(403);
    expect(await db.agent.count({ where: { teamId: owner.team.id, isReadOnly: true } })).toBe(0);
  });
});

/** The archive agents of a team as the database holds them, whatever their status. */
const agentRowsOf = (teamId: string) => db.agent.findMany({ where: { teamId }, select: { id: true, status: true } });

/** How many transactions wrote a table's rows of an agent: rows written together share their xmin. */
async function writingTransactions(table: "agent_event" | "memory" | "spend_entry", agentId: string) {
  const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(DISTINCT xmin::text)::int AS n FROM ${table} WHERE "agentId" = $1::uuid`,
    agentId,
  );
  return row!.n;
}

describe("import in bounded batches (docs/decisions/021)", () => {
  // About 2,000 events, 150 memories with 1536-number vectors, snapshots and spend.
  const file = generateExport({ bytes: 4 * 1024 * 1024, shape: "mixed" });

  it("writes a large file in many short transactions, so other connections' queries run in between", async () => {
    const team = await createTestTeam();
    const response = await upload(file.text, team.headers);
    expect(response.status).toBe(201);
    const result = (await response.json()) as { agent: { id: string; status: string }; counts: Record<string, number> };
    expect(result.agent.status).toBe("archived");
    expect(result.counts).toMatchObject({ events: file.counts.events, memories: file.counts.memories, spend: file.counts.spend });
    expect(await db.agentEvent.count({ where: { agentId: result.agent.id } })).toBe(file.counts.events);
    // The whole file in one transaction held the embedded database for seconds (issue 17, hole 8).
    expect(await writingTransactions("agent_event", result.agent.id)).toBeGreaterThan(1);
    expect(await writingTransactions("memory", result.agent.id)).toBeGreaterThan(1);
    expect(await writingTransactions("spend_entry", result.agent.id)).toBeGreaterThan(1);
    // Every spend entry found its event, across batches.
    expect(await db.spendEntry.count({ where: { agentId: result.agent.id, eventId: null } })).toBe(0);
    const record = await db.agentImport.findFirstOrThrow({ where: { teamId: team.team.id } });
    expect(record).toMatchObject({ status: "succeeded", runningTeamId: null, agentId: result.agent.id, rowsWritten: record.rowsTotal });
  });

  it("shows the archive nowhere until its last batch, and runs one import per team at a time", async () => {
    const team = await createTestTeam();
    const claim = await claimImport({ teamId: team.team.id, userId: team.user.id, fileBytes: file.bytes });
    const data = await parseExport(file.text, { maxLines: importLimits().maxLines });
    const writer = writeImport({ importId: claim.id, teamId: team.team.id, userId: team.user.id, data });
    await writer.next(); // the agent row exists, `importing`
    const progress = await writer.next(); // and a first batch of its events
    expect(progress.done).toBe(false);
    const { agentId, rowsWritten, rowsTotal } = progress.value as { agentId: string; rowsWritten: number; rowsTotal: number };
    expect(rowsWritten).toBeGreaterThan(0);
    expect(rowsWritten).toBeLessThan(rowsTotal);
    expect(await agentRowsOf(team.team.id)).toEqual([{ id: agentId, status: "importing" }]);

    // Half-written: not in the list or its count, not by id, not as a status filter.
    const list = await team.caller.agent.list({});
    expect(list.items).toEqual([]);
    expect(list.total).toBe(0);
    await expect(team.caller.agent.byId({ id: agentId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(team.caller.agent.list({ status: "importing" as "archived" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // The import page sees its progress; a second import waits its turn.
    expect(await team.caller.agent.importProgress()).toMatchObject({ rowsWritten, rowsTotal });
    const second = await upload(file.text, team.headers);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { message: string } }).error.message).toBe(
      "An import is already running for this team. Wait for it to finish, then try again.",
    );
    // Another team is not held up.
    const other = await createTestTeam();
    expect((await upload(file.text, other.headers)).status).toBe(201);

    let step = await writer.next();
    while (!step.done) step = await writer.next();
    expect(step.value).toMatchObject({ id: agentId, status: "archived" });
    expect((await team.caller.agent.list({})).items.map((a) => a.id)).toEqual([agentId]);
    expect(await team.caller.agent.importProgress()).toBeNull();
    expect(await db.auditLog.count({ where: { teamId: team.team.id, action: "agent.import", targetId: agentId } })).toBe(1);
  });

  it("a failure in a late batch leaves nothing behind and says so", async () => {
    const team = await createTestTeam();
    // A row that passes every check but that the database refuses, near the end of the events.
    const failingSeq = file.counts.events - 5;
    await db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION longhaul_test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."teamId" = '${team.team.id}' AND NEW.seq = ${failingSeq} THEN RAISE EXCEPTION 'refused for the test'; END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER longhaul_test_refuse_event BEFORE INSERT ON agent_event FOR EACH ROW EXECUTE FUNCTION longhaul_test_refuse_event()`,
    );
    try {
      const response = await upload(file.text, team.headers);
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
        "The import stopped while writing its rows (the database refused them). Nothing of it was kept; try again in a while.",
      );
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER longhaul_test_refuse_event ON agent_event`);
      await db.$executeRawUnsafe(`DROP FUNCTION longhaul_test_refuse_event()`);
    }
    expect(await agentRowsOf(team.team.id)).toEqual([]);
    const teamId = team.team.id;
    expect([await db.agentEvent.count({ where: { teamId } }), await db.memory.count({ where: { teamId } })]).toEqual([0, 0]);
    expect(await db.spendEntry.count({ where: { teamId } })).toBe(0);
    expect(await db.agentImport.findFirstOrThrow({ where: { teamId } })).toMatchObject({
      status: "failed",
      agentId: null,
      runningTeamId: null,
      error: expect.stringContaining("Nothing of it was kept") as unknown,
    });
    // The slot is free again: the same file goes in now.
    expect((await upload(file.text, team.headers)).status).toBe(201);
  });

  it("an import cut off by a crash is discarded once its heartbeat is stale, and frees the team's slot", async () => {
    const team = await createTestTeam();
    const teamId = team.team.id;
    const claim = await claimImport({ teamId, userId: team.user.id, fileBytes: file.bytes });
    const data = await parseExport(file.text, { maxLines: importLimits().maxLines });
    const writer = writeImport({ importId: claim.id, teamId, userId: team.user.id, data });
    for (let i = 0; i < 4; i++) await writer.next();
    // The process "dies": nothing runs the writer any more, nothing marks the import failed.
    await writer.return(undefined as never);
    expect(await db.agentEvent.count({ where: { teamId } })).toBeGreaterThan(0);

    // While the heartbeat is fresh, the import counts as running.
    expect(await discardAbandonedImports({ teamId })).toEqual({ interrupted: 0, discarded: 0 });
    await expect(claimImport({ teamId, userId: team.user.id, fileBytes: 1 })).rejects.toMatchObject({ code: "CONFLICT" });

    const later = new Date(Date.now() + (IMPORT_STALE_SECONDS + 1) * 1000);
    expect(await discardAbandonedImports({ teamId, now: later })).toMatchObject({ interrupted: 1 });
    expect(await agentRowsOf(teamId)).toEqual([]);
    expect(await db.agentEvent.count({ where: { teamId } })).toBe(0);
    expect(await db.memory.count({ where: { teamId } })).toBe(0);
    expect(await db.agentImport.findUniqueOrThrow({ where: { id: claim.id } })).toMatchObject({
      status: "failed",
      agentId: null,
      error: "The import was interrupted (the server stopped while it was writing). Nothing of it was kept; import the file again.",
    });
    expect((await upload(file.text, team.headers)).status).toBe(201);
  });

  it("limits how many imports a team starts in an hour", async () => {
    const team = await createTestTeam();
    const { perHour } = importLimits();
    const startedAt = new Date(Date.now() - 50 * 60_000);
    await db.agentImport.createMany({
      data: Array.from({ length: perHour }, () => ({ teamId: team.team.id, status: "succeeded" as const, fileBytes: 1, startedAt })),
    });
    const response = await upload(file.text, team.headers);
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      `This team has started ${perHour} imports in the last hour, the most allowed. Try again in 10 minutes.`,
    );
    expect(await agentRowsOf(team.team.id)).toEqual([]);
  });
});
