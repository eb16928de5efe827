import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { getErrorShape, getTRPCErrorFromUnknown } from "@trpc/server";
import { organization } from "better-auth/plugins";
import { NextRequest } from "next/server";
import superjson from "superjson";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as authRoute from "~/app/api/auth/[...all]/route";
import * as inngestRoute from "~/app/api/inngest/route";
import * as trpcRoute from "~/app/api/trpc/[trpc]/route";
import { inngest } from "~/inngest/client";
import { appRouter } from "~/server/api/root";
import { writeSnapshot } from "~/server/agents/events";
import { GUARDED_LIMITS, limitsOf, raisedLimits, remainingLimitsForFork, type AgentLimits } from "~/server/agents/limit-raises";
import { hasRoleAtLeast, TEAM_ROLES, type TeamRoleName } from "~/shared/roles";
import { db } from "~/server/db/client";
import { env } from "~/server/env";
import {
  AUTHZ_MATRIX,
  FIELD_RULES,
  HTTP_METHODS,
  ROUTE_HANDLERS,
  type ExportedMethod,
  createAuthzWorld,
  type AuthzWorld,
  type CallerIdentity,
  type MatrixEntry,
} from "../fixtures/authz-matrix";
import { addTestMember, anonymousCaller, createTestTeam } from "../factories/team";

/**
 * Every procedure of the app router x every kind of caller, against tests/fixtures/authz-matrix.ts;
 * then the route handlers under app/api. The procedure list comes from the router itself, so a new
 * procedure without a matrix entry fails here.
 */

type Caller = Awaited<ReturnType<typeof anonymousCaller>>;
type Column = "signed out" | TeamRoleName | "other team's owner";
const COLUMNS: Column[] = ["signed out", ...TEAM_ROLES, "other team's owner"];
type Person = { caller: Caller; identity: CallerIdentity };
type Expected = "allowed" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
type Outcome = { ok: true; value: unknown } | { ok: false; code: string; shape: { message: string } };

const routerPaths = () => Object.keys(appRouter._def.procedures).sort();
const matrix = AUTHZ_MATRIX as Record<string, MatrixEntry>;

function procedureAt(caller: Caller, procedurePath: string) {
  let node: unknown = caller;
  for (const key of procedurePath.split(".")) node = (node as Record<string, unknown>)[key];
  return node as (input: unknown) => Promise<unknown>;
}

function timeout(ms: number, what: string) {
  return new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no event within ${ms} ms`)), ms).unref());
}

/** Calls a procedure and reports what a browser would get: the value, or the error's code and formatted shape. */
async function attempt(caller: Caller, procedurePath: string, entry: MatrixEntry, input: unknown): Promise<Outcome> {
  try {
    const result = await procedureAt(caller, procedurePath)(input);
    if (entry.type !== "subscription") return { ok: true, value: result };
    // A subscription checks access when it starts and again as it goes on: what the caller gets to see is
    // its first two events (the world has two), each checked for leaks.
    const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    try {
      const first = await Promise.race([iterator.next(), timeout(5000, procedurePath)]);
      const second = await Promise.race([iterator.next(), timeout(5000, procedurePath)]);
      return { ok: true, value: [first.value, second.value] };
    } finally {
      await iterator.return?.();
    }
  } catch (cause) {
    // The HTTP adapter's conversion: anything but a TRPCError (e.g. an AppError escaping a subscription) is a 500.
    const error = getTRPCErrorFromUnknown(cause);
    const shape = getErrorShape({ config: appRouter._def._config, error, type: entry.type, path: procedurePath, input, ctx: undefined });
    return { ok: false, code: error.code, shape };
  }
}

/** A random id of the same form (uuid, hex, or base64url of the same length). */
function unknownIdLike(id: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return randomUUID();
  if (/^[0-9a-f]+$/.test(id) && id.length % 2 === 0) return randomBytes(id.length / 2).toString("hex");
  return randomBytes(id.length).toString("base64url").slice(0, id.length);
}

/** The input with every id of team A replaced by one that exists nowhere: the "missing row" twin. */
function withUnknownIds(value: unknown, ids: Set<string>): unknown {
  if (typeof value === "string") return ids.has(value) ? unknownIdLike(value) : value;
  if (Array.isArray(value)) return value.map((v) => withUnknownIds(v, ids));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withUnknownIds(v, ids)]));
  }
  return value;
}

const namesTeamA = (input: unknown, ids: Set<string>) => JSON.stringify(withUnknownIds(input, ids)) !== JSON.stringify(input);
const teamAIdsIn = (value: unknown, ids: Set<string>) => {
  const text = superjson.stringify(value);
  return [...ids].filter((id) => text.includes(id));
};

function expectedFor(entry: MatrixEntry, column: Column, namesA: boolean): Expected {
  if (entry.access === "public") return "allowed";
  if (column === "signed out") return "UNAUTHORIZED";
  if (column === "other team's owner") return namesA && !entry.outsiders ? "NOT_FOUND" : "allowed";
  if (entry.access === "signed-in") return "allowed";
  return hasRoleAtLeast(column, entry.access) ? "allowed" : "FORBIDDEN";
}

let world: AuthzWorld;
let people: Record<Column, Person>;

const identityOf = (p: { user: { id: string; email: string } }): CallerIdentity => ({ userId: p.user.id, email: p.user.email });

/** A new person for one column, for calls that change the caller's own membership. */
async function freshPerson(column: Column): Promise<Person> {
  if (column === "signed out") return people[column];
  const person = column === "other team's owner" ? await createTestTeam() : await addTestMember(world.teamId, column);
  return { caller: person.caller, identity: identityOf(person) };
}

beforeAll(async () => {
  // Sending to Inngest is the executor's side; this test is about who may ask for it.
  vi.spyOn(inngest, "send").mockResolvedValue({ ids: [] });
  const owner = await createTestTeam();
  const teamId = owner.team.id;
  const viewer = await addTestMember(teamId, "viewer");
  const member = await addTestMember(teamId, "member");
  const admin = await addTestMember(teamId, "admin");
  const otherOwner = await createTestTeam();
  world = await createAuthzWorld({ teamId, ownerId: owner.user.id, memberIds: [viewer.user.id, member.user.id, admin.user.id] });
  const person = (p: typeof owner | typeof viewer): Person => ({ caller: p.caller, identity: identityOf(p) });
  people = {
    "signed out": { caller: await anonymousCaller(), identity: null },
    viewer: person(viewer),
    member: person(member),
    admin: person(admin),
    owner: person(owner),
    "other team's owner": person(otherOwner),
  };
});

describe("authorization matrix", () => {
  it("has an entry for every procedure in the router, of the right kind, and none for procedures that are gone", () => {
    const inRouter = routerPaths();
    const missing = inRouter.filter((p) => !(p in matrix));
    const stale = Object.keys(matrix).filter((p) => !inRouter.includes(p));
    expect(missing, `procedures without an entry in tests/fixtures/authz-matrix.ts: ${missing.join(", ")}`).toEqual([]);
    expect(stale, `entries in tests/fixtures/authz-matrix.ts for procedures that no longer exist: ${stale.join(", ")}`).toEqual([]);
    // Typed as the nested router record, but at run time a flat map of "router.procedure" to procedure.
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    const wrongKind = inRouter.filter((p) => procedures[p]!._def.type !== matrix[p]!.type);
    expect(wrongKind, `entries whose type differs from the router's: ${wrongKind.join(", ")}`).toEqual([]);
  });

  it("allows and denies every procedure for every caller as the matrix says, and never reveals another team's rows", async () => {
    const mismatches: string[] = [];
    const leaks: string[] = [];
    let cases = 0;
    for (const procedurePath of routerPaths().filter((p) => p in matrix)) {
      const entry = matrix[procedurePath]!;
      for (const column of COLUMNS) {
        const { caller, identity } = entry.freshCaller ? await freshPerson(column) : people[column];
        const input = await entry.input(world, identity);
        const namesA = namesTeamA(input, world.ids);
        const expected = expectedFor(entry, column, namesA);
        const outcome = await attempt(caller, procedurePath, entry, input);
        cases += 1;
        const actual = outcome.ok ? "allowed" : outcome.code;
        const isAllowed = outcome.ok || (entry.mayFailWith?.codes ?? []).includes(outcome.code as never);
        if (!(expected === "allowed" ? isAllowed : actual === expected)) {
          mismatches.push(
            `${procedurePath} as ${column}: expected ${expected}, got ${actual}${outcome.ok ? "" : `: ${outcome.shape.message}`}`,
          );
          continue;
        }
        const isOutsider = column === "signed out" || column === "other team's owner";
        if (isOutsider && outcome.ok && !entry.outsiders) {
          // Its own team's data, or what a link shows: nothing that identifies team A's rows or people.
          const seen = teamAIdsIn(outcome.value, world.ids);
          if (seen.length > 0) leaks.push(`${procedurePath} as ${column}: received team A ids ${seen.join(", ")}`);
        }
        if (column === "other team's owner" && !outcome.ok && namesA) {
          // Refused: the same bytes as for ids that exist nowhere.
          const unknown = await attempt(caller, procedurePath, entry, withUnknownIds(input, world.ids));
          const foreign = JSON.stringify({ code: outcome.code, shape: outcome.shape });
          const missing = JSON.stringify(unknown.ok ? { ok: true } : { code: unknown.code, shape: unknown.shape });
          if (foreign !== missing) leaks.push(`${procedurePath}: team A's id gives ${foreign}, an unknown id gives ${missing}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(leaks).toEqual([]);
    expect(cases).toBe(routerPaths().length * COLUMNS.length);
  });

  it("ends every subscription once its caller loses access, instead of streaming on", async () => {
    const subscriptions = routerPaths().filter((p) => matrix[p]?.type === "subscription");
    expect(subscriptions.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const procedurePath of subscriptions) {
      const entry = matrix[procedurePath]!;
      if (entry.access === "public" || entry.access === "signed-in") continue;
      const watcher = await addTestMember(world.teamId, entry.access);
      const stream = (await procedureAt(
        watcher.caller,
        procedurePath,
      )(await entry.input(world, identityOf(watcher)))) as AsyncIterable<unknown>;
      const iterator = stream[Symbol.asyncIterator]();
      try {
        await Promise.race([iterator.next(), timeout(5000, procedurePath)]);
        await db.member.deleteMany({ where: { teamId: world.teamId, userId: watcher.user.id } });
        // What was read before the removal may still arrive (a batch in flight); then the stream must end with the reason.
        let after = "still open";
        for (let read = 0; read < 10; read++) {
          after = await Promise.race([
            iterator.next().then(
              (result) => (result.done ? "ended" : "delivered"),
              (error: Error) => `refused: ${error.message}`,
            ),
            timeout(10_000, `${procedurePath} after removal`).catch(() => "still open"),
          ]);
          if (after !== "delivered") break;
        }
        if (!after.startsWith("refused: You no longer have access")) problems.push(`${procedurePath}: after removal, ${after}`);
      } finally {
        await iterator.return?.();
      }
    }
    expect(problems).toEqual([]);
  });

  it("sees team A's rows from inside team A (so the leak check above would notice them)", async () => {
    const { caller } = people.viewer;
    expect(teamAIdsIn(await caller.agent.list({}), world.ids)).toContain(world.agentId);
    expect(teamAIdsIn(await caller.approval.listPending(), world.ids)).not.toEqual([]);
    expect(teamAIdsIn(await caller.approval.listRecent(), world.ids)).not.toEqual([]);
    expect(teamAIdsIn(await caller.provider.list(), world.ids)).not.toEqual([]);
    expect(teamAIdsIn(await caller.team.members(), world.ids)).not.toEqual([]);
  });
});

/** The keys of a procedure's input object (the union of its `.input()` schemas' shapes). */
function inputKeys(procedurePath: string): string[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: unknown[] } }>;
  return procedures[procedurePath]!._def.inputs.flatMap((schema) => {
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    return shape ? Object.keys(shape) : [];
  });
}

describe("field-level rules: an agent's limits", () => {
  it("every procedure whose input names a guarded limit is listed in FIELD_RULES, and every entry still exists", () => {
    const naming = routerPaths().filter((p) => inputKeys(p).some((key) => (GUARDED_LIMITS as readonly string[]).includes(key)));
    expect(naming.length).toBeGreaterThanOrEqual(3);
    const unlisted = naming.filter((p) => !(p in FIELD_RULES));
    expect(unlisted, "procedures that set an agent's limits need an entry in FIELD_RULES (tests/fixtures/authz-matrix.ts)").toEqual([]);
    const stale = Object.keys(FIELD_RULES).filter((key) => !routerPaths().includes(key) && !(key in ROUTE_HANDLERS));
    expect(stale).toEqual([]);
  });

  it("raising a limit needs budget:raise on every path: a member's attempt is refused or gives nothing more; an admin's raises", async () => {
    const owner = await createTestTeam();
    const people = { member: await addTestMember(owner.team.id, "member"), admin: await addTestMember(owner.team.id, "admin") };
    const problems: string[] = [];
    const read = async (id: string): Promise<AgentLimits> =>
      limitsOf(
        await db.agent.findUniqueOrThrow({
          where: { id },
          select: { budgetUsd: true, budgetTokens: true, budgetCycles: true, softLimitPercent: true },
        }),
      );
    for (const [path, rule] of Object.entries(FIELD_RULES)) {
      if (!rule.probe) continue;
      for (const role of ["member", "admin"] as const) {
        // An agent that has spent part of its budget, with a checkpoint at its current cycle.
        const created = await owner.caller.agent.create(agentInputNamed(`${path} ${role}`));
        await db.agent.update({
          where: { id: created.id },
          data: {
            budgetUsd: "1",
            budgetTokens: 1000n,
            budgetCycles: 10,
            softLimitPercent: 50,
            spentUsd: "0.5",
            tokensUsed: 500n,
            cycleCount: 1,
          },
        });
        await writeSnapshot({ agentId: created.id, teamId: owner.team.id, cycle: 1 });
        const source = await db.agent.findUniqueOrThrow({ where: { id: created.id } });
        const allowance = rule.probe.allowance === "current" ? limitsOf(source) : remainingLimitsForFork(source, 1);
        const outcome = await rule.probe.attempt(people[role].caller, created.id).then(
          async (agentId) => ({ raised: raisedLimits(allowance, await read(agentId)) }),
          (error: { code?: string; message: string }) => ({ refused: `${error.code}: ${error.message}` }),
        );
        if (role === "member" && "raised" in outcome && outcome.raised.length > 0) {
          problems.push(`${path} as member raised ${outcome.raised.join(", ")}`);
        }
        if (role === "member" && "refused" in outcome && !outcome.refused.startsWith("FORBIDDEN")) {
          problems.push(`${path} as member: refused for another reason: ${outcome.refused}`);
        }
        if (role === "admin" && !("raised" in outcome && outcome.raised.length > 0)) {
          problems.push(`${path} as admin raised nothing: ${JSON.stringify(outcome)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** A request as a browser sends it to the app: same origin, the person's session cookie if any. */
function appRequest(method: "GET" | "POST", url: URL, headers: Headers | null, body?: string) {
  const sent = new Headers(headers ?? undefined);
  sent.set("origin", env.APP_URL);
  if (body !== undefined) sent.set("content-type", "application/json");
  return new NextRequest(url, { method, headers: sent, body });
}

async function trpcOverHttp(procedure: string, type: "query" | "mutation", input: unknown, headers: Headers | null) {
  const url = new URL(`/api/trpc/${procedure}`, env.APP_URL);
  const serialized = JSON.stringify(superjson.serialize(input));
  if (type === "query") url.searchParams.set("input", serialized);
  const response =
    type === "query"
      ? await trpcRoute.GET(appRequest("GET", url, headers))
      : await trpcRoute.POST(appRequest("POST", url, headers, serialized));
  return { status: response.status, body: await response.text() };
}

async function authOverHttp(method: "GET" | "POST", endpoint: string, headers: Headers | null, body?: unknown) {
  const request = appRequest(
    method,
    new URL(`/api/auth${endpoint}`, env.APP_URL),
    headers,
    body === undefined ? undefined : JSON.stringify(body),
  );
  const response = await (method === "GET" ? authRoute.GET(request) : authRoute.POST(request));
  return { status: response.status, body: await response.text() };
}

function agentInputNamed(name: string) {
  return { name: `${name} ${randomBytes(3).toString("hex")}`, goal: "Track competitor pricing pages.", model: "simulator-1", budgetUsd: 5 };
}

describe("route handlers under app/api", () => {
  // People of their own: the matrix above switches its people's active teams (team.create, team.acceptInvitation).
  let team: Awaited<ReturnType<typeof createTestTeam>>;
  let viewer: Awaited<ReturnType<typeof addTestMember>>;
  let stranger: Awaited<ReturnType<typeof createTestTeam>>;
  let agentId: string;

  beforeAll(async () => {
    team = await createTestTeam();
    viewer = await addTestMember(team.team.id, "viewer");
    stranger = await createTestTeam();
    agentId = (await team.caller.agent.create(agentInputNamed("HTTP agent"))).id;
  });

  it("are each listed in ROUTE_HANDLERS with who may call them", () => {
    const root = path.join(import.meta.dirname, "../..");
    const found = readdirSync(path.join(root, "app/api"), { recursive: true, encoding: "utf8" })
      .map((file) => file.split(path.sep).join("/"))
      .filter((file) => /(^|\/)route\.(ts|tsx|js)$/.test(file))
      .map((file) => `app/api/${file}`)
      .sort();
    expect(found, "every route handler under app/api needs an entry in ROUTE_HANDLERS (tests/fixtures/authz-matrix.ts)").toEqual(
      Object.keys(ROUTE_HANDLERS).sort(),
    );
  });

  it("answer every HTTP method of every route as declared: signed out, with a foreign Host, nothing is served or changed", async () => {
    const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    // Cloud mode, as `npm start` runs the app; an Inngest API that records what the app would register.
    vi.stubEnv("INNGEST_SIGNING_KEY", signingKey);
    vi.stubEnv("INNGEST_DEV", undefined);
    const registered = captureInngestRegistrations();
    const root = path.join(import.meta.dirname, "../..");
    const problems: string[] = [];
    let probes = 0;
    try {
      for (const [file, entry] of Object.entries(ROUTE_HANDLERS)) {
        const routeModule = (await import(path.join(root, file))) as Record<string, unknown>;
        const exported = HTTP_METHODS.filter((method) => typeof routeModule[method] === "function");
        const declared = Object.keys(entry.methods).sort();
        if (JSON.stringify(exported.slice().sort()) !== JSON.stringify(declared)) {
          problems.push(`${file} exports ${exported.join(", ")} but ROUTE_HANDLERS declares ${declared.join(", ")}`);
        }
        for (const method of HTTP_METHODS) {
          // Next.js answers HEAD with GET's handler and OPTIONS itself; any other method it was not given is 405.
          const handlerMethod: ExportedMethod | null = method === "HEAD" ? "GET" : method === "OPTIONS" ? null : method;
          const probe = handlerMethod ? entry.methods[handlerMethod] : undefined;
          if (!probe) continue;
          const handler = routeModule[method] ?? routeModule[handlerMethod!];
          const request = new NextRequest(new URL(probe.path({ agentId }), env.APP_URL), {
            method,
            headers: hostileHeaders(probe.body !== undefined),
            body: method === "HEAD" || method === "GET" ? undefined : (probe.body ?? ""),
          });
          const response = await (handler as (r: NextRequest, c: unknown) => Promise<Response>)(request, {
            params: Promise.resolve({ id: agentId, agent: agentId, trpc: "x", all: ["x"] }),
          });
          probes += 1;
          const expected = method === "HEAD" ? (probe.headStatus ?? probe.status) : probe.status;
          if (response.status !== expected) {
            problems.push(`${method} ${file}: expected ${expected}, got ${response.status} ${(await response.text()).slice(0, 200)}`);
          }
        }
      }
    } finally {
      vi.unstubAllEnvs();
      registered.restore();
    }
    expect(problems).toEqual([]);
    expect(probes).toBeGreaterThanOrEqual(14);
    expect(registered.urls, "an unsigned sync must register nothing").toEqual([]);
  });

  it("Inngest: a signed sync registers the configured origin, whatever Host the request names", async () => {
    const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    vi.stubEnv("INNGEST_SIGNING_KEY", signingKey);
    vi.stubEnv("INNGEST_DEV", undefined);
    const registered = captureInngestRegistrations();
    try {
      const headers = hostileHeaders(false);
      headers.set("x-inngest-signature", inngestSignature("", signingKey));
      const response = await inngestRoute.PUT(new NextRequest(new URL("/api/inngest", env.APP_URL), { method: "PUT", headers }), undefined);
      expect(response.status, await response.clone().text()).toBe(200);
      expect(registered.urls).toEqual([`${new URL(env.INNGEST_SERVE_ORIGIN ?? env.APP_URL).origin}/api/inngest`]);
    } finally {
      vi.unstubAllEnvs();
      registered.restore();
    }
  });

  it("tRPC: the session comes from the cookie; signed out 401, too low a role 403, another team's id 404 like an unknown one", async () => {
    expect((await trpcOverHttp("agent.list", "query", {}, null)).status).toBe(401);
    expect((await trpcOverHttp("agent.byId", "query", { id: agentId }, viewer.headers)).status).toBe(200);
    expect((await trpcOverHttp("agent.create", "mutation", agentInputNamed("Viewer's agent"), viewer.headers)).status).toBe(403);
    const foreign = await trpcOverHttp("agent.byId", "query", { id: agentId }, stranger.headers);
    const unknown = await trpcOverHttp("agent.byId", "query", { id: randomUUID() }, stranger.headers);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toBe(unknown.body);
  });

  it("better-auth: get-session answers anyone (with nothing when signed out); the organization plugin's endpoints are off", async () => {
    expect(await authOverHttp("GET", "/get-session", null)).toEqual({ status: 200, body: "null" });
    expect(JSON.parse((await authOverHttp("GET", "/get-session", team.headers)).body)).toMatchObject({ user: { id: team.user.id } });
    // Even for the owner: teams, members and invitations change only through the team.* procedures.
    const endpoints = Object.values(organization().endpoints)
      .map((endpoint) => endpoint as { path?: string; options: { method: string | string[] } })
      .filter((endpoint) => endpoint.path !== undefined);
    expect(endpoints.length).toBeGreaterThan(10);
    const body = { organizationId: team.team.id, memberId: "x", role: "owner", email: "o@example.test", name: "X", slug: "x" };
    const answered: string[] = [];
    for (const endpoint of endpoints) {
      const method = [endpoint.options.method].flat()[0] === "GET" ? "GET" : "POST";
      const query = method === "GET" ? `?organizationId=${team.team.id}` : "";
      const response = await authOverHttp(method, `${endpoint.path}${query}`, team.headers, method === "POST" ? body : undefined);
      if (response.status !== 404) answered.push(`${method} ${endpoint.path}: ${response.status}`);
    }
    expect(answered).toEqual([]);
  });

  it("Inngest: with a signing key, only requests signed with it are answered", async () => {
    const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    const otherKey = `signkey-test-${randomBytes(32).toString("hex")}`;
    vi.stubEnv("INNGEST_SIGNING_KEY", signingKey);
    vi.stubEnv("INNGEST_DEV", undefined);
    try {
      const url = new URL("/api/inngest", env.APP_URL);
      const sign = (body: string, key = signingKey) => new Headers({ "x-inngest-signature": inngestSignature(body, key) });
      const get = (headers: Headers | null) => inngestRoute.GET(appRequest("GET", url, headers), undefined);
      expect((await get(null)).status).toBe(401);
      expect((await get(sign("", otherKey))).status).toBe(401);
      const signed = await get(sign(""));
      expect(signed.status).toBe(200);
      expect(await signed.json()).toMatchObject({ authentication_succeeded: true, mode: "cloud" });

      // Running a function: an unsigned or wrongly signed call never reaches it.
      const runUrl = new URL(url);
      runUrl.searchParams.set("fnId", "longhaul-agent-run");
      runUrl.searchParams.set("stepId", "step");
      const event = { name: "agent/run.requested", data: { agentId, teamId: team.team.id, reason: "start" } };
      const body = JSON.stringify({ event, events: [event], steps: {}, ctx: { run_id: "01J00000000000000000000000", attempt: 0 } });
      const post = (headers: Headers | null) => inngestRoute.POST(appRequest("POST", runUrl, headers, body), undefined);
      expect((await post(null)).status).toBe(401);
      expect((await post(sign(body, otherKey))).status).toBe(401);
      expect(await db.agentRun.count({ where: { agentId } })).toBe(0);
      expect(await db.agentEvent.count({ where: { agentId } })).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

/** The headers of a stranger who names another host: a foreign Host, X-Forwarded-Host and X-Forwarded-For, no cookie. */
function hostileHeaders(hasBody: boolean) {
  const headers = new Headers({
    host: "attacker.example:4444",
    "x-forwarded-host": "attacker.example:4444",
    "x-forwarded-proto": "https",
    "x-forwarded-for": "127.0.0.1",
  });
  if (hasBody) headers.set("content-type", "application/json");
  return headers;
}

/** An x-inngest-signature as Inngest computes it: HMAC-SHA256 of body + timestamp with the key's secret part. */
function inngestSignature(body: string, key: string) {
  const ts = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", key.replace(/^signkey-\w+-/, ""))
    .update(body + ts)
    .digest("hex");
  return `t=${ts}&s=${mac}`;
}

/**
 * Records the URLs the app's Inngest client registers (POST /fn/register to the Inngest API) instead of
 * sending them: the client's outbound fetch is replaced on this instance only; the serve handler's
 * decisions (refuse, or register which URL) are the real ones.
 */
function captureInngestRegistrations() {
  const urls: string[] = [];
  const capture: typeof fetch = (input, init) => {
    const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (new URL(target).pathname === "/fn/register") {
      urls.push((JSON.parse(init?.body as string) as { url: string }).url);
      return Promise.resolve(Response.json({ ok: true, modified: true }));
    }
    return Promise.reject(new Error(`unexpected request to ${target}`));
  };
  Object.defineProperty(inngest, "fetch", { configurable: true, get: () => capture });
  return {
    urls,
    restore: () => {
      delete (inngest as unknown as Record<string, unknown>).fetch;
    },
  };
}
