import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutorRunStatus } from "~/server/db/generated/enums";
import { restRunStatus } from "~/server/runs/run-status";
import { createTestExecutorRun, registerTestFunction, serveExecutorApi } from "../factories/executor-run";

/**
 * The app reads a run's state only through Inngest's REST API (`GET /v1/runs/<id>`). Here it asks the
 * bundled executor's real HTTP server about rows it wrote, and servers that answer badly: whatever goes
 * wrong, a run is "cannot tell" (absent), never "ended".
 */
const SIGNING_KEY = "signkey-test-fedcba9876543210fedcba9876543210";
const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
let executor: Awaited<ReturnType<typeof serveExecutorApi>>;
let executorUrl: string;
const FN = "run-status-app-fn";

beforeAll(async () => {
  executor = await serveExecutorApi(SIGNING_KEY);
  executorUrl = executor.url;
  await registerTestFunction("run-status-app", FN);
});
afterAll(() => executor?.close());

const seedRun = (status: ExecutorRunStatus) => createTestExecutorRun(FN, status);

describe("run states through the REST API", () => {
  it("reads each state the bundled executor stores, and leaves out a run it does not know", async () => {
    const ids = await Promise.all((["running", "completed", "failed", "cancelled"] as const).map(seedRun));
    const runs = await restRunStatus({ baseUrl: executorUrl, signingKey: SIGNING_KEY }).runs([...ids, "no-such-run", ids[0]!]);
    expect(Object.fromEntries([...runs].map(([id, info]) => [id, info.state]))).toEqual({
      [ids[0]!]: "running",
      [ids[1]!]: "completed",
      [ids[2]!]: "failed",
      [ids[3]!]: "cancelled",
    });
    expect(runs.get(ids[0]!)!.endedAt).toBeNull();
    expect(runs.get(ids[1]!)!.endedAt).toBeInstanceOf(Date);
  });

  it("cannot tell with a wrong key", async () => {
    const id = await seedRun("cancelled");
    expect((await restRunStatus({ baseUrl: executorUrl, signingKey: "signkey-test-wrong" }).runs([id])).size).toBe(0);
  });

  it("cannot tell when the server answers garbage, fails or hangs", async () => {
    const bad = http.createServer((req, res) => {
      if (req.url?.includes("garbage")) return res.writeHead(200, { "content-type": "application/json" }).end('{"data": {"status": 1}}');
      if (req.url?.includes("html")) return res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>");
      if (req.url?.includes("odd")) return res.writeHead(200).end(JSON.stringify({ data: { run_id: "odd", status: "Exploded" } }));
      if (req.url?.includes("hang")) return; // never answers
      res.writeHead(500).end("boom");
    });
    const url = await listen(bad);
    try {
      const started = Date.now();
      const runs = await restRunStatus({ baseUrl: url, timeoutMs: 500 }).runs(["garbage", "html", "odd", "hang", "error"]);
      expect(runs.size).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      bad.closeAllConnections();
      await new Promise((resolve) => bad.close(resolve));
    }
  });

  it("asks the API at most eight things at once, however many runs and steps a page wants", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = http.createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        const id = decodeURIComponent(req.url!.split("/")[3]!);
        const body = req.url!.endsWith("/steps")
          ? { data: [] }
          : { data: { run_id: id, status: "Completed", run_started_at: new Date().toISOString(), ended_at: null } };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      }, 30);
    });
    const url = await listen(slow);
    try {
      const source = restRunStatus({ baseUrl: url });
      const ids = Array.from({ length: 20 }, (_, i) => `run-${i}`);
      const [runs, steps] = await Promise.all([source.runs(ids), Promise.all(ids.map((id) => source.steps(id)))]);
      expect(runs.size).toBe(20);
      expect(steps.every((s) => Array.isArray(s))).toBe(true);
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(8);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it("cannot tell when nothing listens", async () => {
    const closed = http.createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    expect((await restRunStatus({ baseUrl: url }).runs(["any"])).size).toBe(0);
  });
});
