import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest, type InngestFunction } from "inngest";
import { serve } from "inngest/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningExecutor } from "../../src/executor";
import { canonicalJson, hashSigningKey, signatureHeader } from "../../src/signing";
import { startTestExecutor, type ApiRun } from "../harness";

/*
 * Signed mode (docs/decisions/017): the real executor with a signing key and event key, and real SDK
 * apps in cloud mode (isDev: false wins over the INNGEST_DEV that vitest.config.ts sets).
 */
const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const wrongKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = randomBytes(32).toString("hex");
const bearer = { authorization: `Bearer ${hashSigningKey(signingKey)}` };

const sideEffects = new Map<string, number>();
const bump = (key: string) => sideEffects.set(key, (sideEffects.get(key) ?? 0) + 1).get(key)!;

let executor: RunningExecutor;
const servers: http.Server[] = [];
const appIds = ["signed", "signed-wrong-key"];

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`;
}

function cloudClient(id: string, key = signingKey) {
  return new Inngest({ id, isDev: false, signingKey: key, eventKey, baseUrl: executor.url });
}

let inngest: ReturnType<typeof cloudClient>;
let appUrl: string;

async function runsOf(eventId: string): Promise<ApiRun[]> {
  const res = await fetch(`${executor.url}/v1/events/${eventId}/runs`, { headers: bearer });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ApiRun[] }).data;
}

async function settled(eventId: string, timeoutMs = 20_000): Promise<ApiRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [run] = await runsOf(eventId);
    if (run && run.status !== "Running") return run;
    if (Date.now() > deadline) throw new Error(`the run of ${eventId} did not settle: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  executor = await startTestExecutor({ signingKey, eventKey });
  inngest = cloudClient("signed");
  const functions: InngestFunction.Any[] = [
    inngest.createFunction({ id: "journey", retries: 2, triggers: [{ event: "signed/journey" }] }, async ({ event, step }) => {
      const start = await step.run("start", () => {
        bump(`start:${event.id}`);
        return (event.data as { n: number }).n;
      });
      // Fails once: the executor must accept the SDK's signed error reply and retry.
      const retried = await step.run("flaky", () => {
        if (bump(`flaky:${event.id}`) < 2) throw new Error("transient");
        return "recovered";
      });
      await step.sleep("nap", "1s");
      const approval = await step.waitForEvent("approval", { event: "signed/approved", match: "data.id", timeout: "30s" });
      return { start, retried, approvedBy: (approval?.data as { by?: string } | undefined)?.by ?? null };
    }),
    inngest.createFunction({ id: "tripwire", triggers: [{ event: "signed/tripwire" }] }, async ({ step }) => {
      await step.run("side-effect", () => bump("tripwire"));
      return "ran";
    }),
  ];
  // The app refuses unsigned syncs too, so the executor's sync PUT must be signed to work.
  appUrl = await listen(serve({ client: inngest, functions, enableUnauthedSync: false }));
});

afterAll(async () => {
  for (const appId of appIds) {
    await executor.pool.query(`UPDATE executor_function SET "isArchived" = true WHERE "appId" = $1`, [appId]);
    await executor.pool.query(
      `DELETE FROM executor_job WHERE "runId" IN (SELECT r.id FROM executor_run r JOIN executor_function f ON f.id = r."functionId" WHERE f."appId" = $1)`,
      [appId],
    );
  }
  await executor?.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe("signed mode: executor and SDK in Inngest's cloud scheme", () => {
  it("syncs only through a signed PUT, and the SDK registers with its hashed key", async () => {
    const unsigned = await fetch(appUrl, { method: "PUT" });
    expect(unsigned.status).toBe(401);
    const signed = await fetch(appUrl, { method: "PUT", headers: { "x-inngest-signature": signatureHeader("", signingKey) } });
    expect(signed.status, await signed.clone().text()).toBe(200);
    const { rows } = await executor.pool.query<{ id: string }>(
      `SELECT id FROM executor_function WHERE "appId" = 'signed' AND NOT "isArchived" ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual(["signed-journey", "signed-tripwire"]);
  });

  it("runs step.run (with a retry), step.sleep and step.waitForEvent to completion through signed calls", async () => {
    const { ids } = await inngest.send({ name: "signed/journey", data: { id: "j1", n: 7 } });
    const eventId = ids[0]!;
    // Answer only once the run is parked on its wait.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rowCount } = await executor.pool.query(
        `SELECT 1 FROM executor_wait w JOIN executor_run r ON r.id = w."runId" WHERE r."eventId" = $1`,
        [eventId],
      );
      if (rowCount) break;
      if (Date.now() > deadline) throw new Error(`the run never waited: ${JSON.stringify(await runsOf(eventId))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await inngest.send({ name: "signed/approved", data: { id: "j1", by: "ada" } });
    const run = await settled(eventId);
    expect(run.status).toBe("Completed");
    expect(run.output).toEqual({ start: 7, retried: "recovered", approvedBy: "ada" });
    expect(sideEffects.get(`start:${eventId}`)).toBe(1);
    expect(sideEffects.get(`flaky:${eventId}`)).toBe(2);
  });

  it("the SDK refuses unsigned and wrongly signed calls, and runs nothing", async () => {
    const url = new URL(appUrl);
    url.searchParams.set("fnId", "signed-tripwire");
    url.searchParams.set("stepId", "step");
    const event = { id: "forged", name: "signed/tripwire", data: {}, ts: Date.now() };
    const body = canonicalJson({
      event,
      events: [event],
      steps: {},
      ctx: {
        run_id: "01FORGED",
        attempt: 0,
        max_attempts: 1,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack: [], current: 0 },
      },
      version: -1,
    });
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

    expect((await post({})).status).toBe(401);
    expect((await post({ "x-inngest-signature": signatureHeader(body, wrongKey) })).status).toBe(401);
    // The right key, but ten minutes old: a replayed request.
    expect((await post({ "x-inngest-signature": signatureHeader(body, signingKey, Date.now() - 10 * 60_000) })).status).toBe(401);
    // The right signature over a different body.
    expect((await post({ "x-inngest-signature": signatureHeader(body.replace("forged", "forgeD"), signingKey) })).status).toBe(401);
    expect(sideEffects.get("tripwire")).toBeUndefined();

    // The control: the same request signed with the key runs the step.
    const genuine = await post({ "x-inngest-signature": signatureHeader(body, signingKey) });
    expect(genuine.status).toBe(206);
    expect(sideEffects.get("tripwire")).toBe(1);
  });

  it("the executor refuses register, API and event requests without the right key, with a clear 401", async () => {
    const register = (headers: Record<string, string>) =>
      fetch(`${executor.url}/fn/register`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ url: "http://127.0.0.1:1/api/inngest", appName: "intruder", functions: [] }),
      });
    for (const response of [await register({}), await register({ authorization: "Bearer undefined" })]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ status: 401, error: expect.stringContaining("requires `Authorization: Bearer") });
    }
    const wrong = await register({ authorization: `Bearer ${hashSigningKey(wrongKey)}` });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ status: 401, error: expect.stringContaining("does not match this executor's signing key") });
    expect((await executor.pool.query(`SELECT 1 FROM executor_app WHERE id = 'intruder'`)).rowCount).toBe(0);

    for (const path of ["/v1/runs/x", "/v1/events/x/runs", "/v0/runs/x/actions"]) {
      const response = await fetch(`${executor.url}${path}`, { headers: { authorization: `Bearer ${hashSigningKey(wrongKey)}` } });
      expect(response.status, path).toBe(401);
    }
    const checkpoint = await fetch(`${executor.url}/v1/checkpoint/x/async`, { method: "POST", body: "{}" });
    expect(checkpoint.status).toBe(401);
    expect((await fetch(`${executor.url}/sync`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${executor.url}/health`)).status).toBe(200);

    const event = JSON.stringify([{ name: "signed/tripwire", data: {} }]);
    const wrongEventKey = await fetch(`${executor.url}/e/${randomBytes(32).toString("hex")}`, { method: "POST", body: event });
    expect(wrongEventKey.status).toBe(401);
    expect(await wrongEventKey.json()).toEqual({ status: 401, error: expect.stringContaining("Unknown event key") });
    expect((await fetch(`${executor.url}/e/NO_EVENT_KEY_SET`, { method: "POST", body: event })).status).toBe(401);
    expect(sideEffects.get("tripwire")).toBe(1);
  });

  it("an app with another signing key cannot sync, and refuses the executor's calls (the run fails, saying why)", async () => {
    const stranger = cloudClient("signed-wrong-key", wrongKey);
    const fn = stranger.createFunction({ id: "never", retries: 0, triggers: [{ event: "signed/stranger" }] }, async ({ step }) => {
      await step.run("side-effect", () => bump("stranger"));
    });
    const strangerUrl = await listen(serve({ client: stranger, functions: [fn] }));
    // Its SDK registers with its own (wrong) hashed key: refused, and the PUT reports the executor's reason.
    const sync = await fetch(strangerUrl, { method: "PUT" });
    expect(sync.status).toBe(401);
    expect(await sync.text()).toContain("does not match this executor's signing key");

    // Registered by someone who has the key, the executor's signed calls are refused by the app.
    const registered = await fetch(`${executor.url}/fn/register`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer },
      body: JSON.stringify({
        url: strangerUrl,
        appName: "signed-wrong-key",
        functions: [
          {
            id: "signed-wrong-key-never",
            name: "never",
            triggers: [{ event: "signed/stranger" }],
            steps: {
              step: {
                id: "step",
                name: "step",
                runtime: { type: "http", url: `${strangerUrl}?fnId=signed-wrong-key-never&stepId=step` },
                retries: { attempts: 0 },
              },
            },
          },
        ],
      }),
    });
    expect(registered.status).toBe(200);
    const { ids } = await inngest.send({ name: "signed/stranger", data: {} });
    const run = await settled(ids[0]!);
    expect(run.status).toBe("Failed");
    expect(run.output).toMatchObject({ name: "SignatureRejected", message: expect.stringContaining("INNGEST_SIGNING_KEY") });
    expect(sideEffects.get("stranger")).toBeUndefined();
  });
});
