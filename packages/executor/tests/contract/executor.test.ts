import { NonRetriableError, RetryAfterError } from "inngest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../harness";

// Side-effect counters the functions write to, keyed by test case.
const calls = new Map<string, number>();
const bump = (key: string) => {
  const n = (calls.get(key) ?? 0) + 1;
  calls.set(key, n);
  return n;
};
const timestamps = new Map<string, number[]>();
const failures: unknown[] = [];
// [user, start, end] of each guarded step, to check the concurrency limit.
const intervals: [string, number, number][] = [];
const cronTicks: unknown[] = [];

let h: Awaited<ReturnType<typeof startHarness>>;

beforeAll(async () => {
  h = await startHarness("contract", (inngest) => {
    const child = inngest.createFunction({ id: "child", triggers: [{ event: "test/child" }] }, async ({ event, step }) => {
      return step.run("double", () => (event.data as { n: number }).n * 2);
    });
    const slowChild = inngest.createFunction({ id: "slow-child", triggers: [{ event: "test/slow-child" }] }, async ({ step }) => {
      await step.sleep("dawdle", "5s");
      return "late";
    });
    return [
      inngest.createFunction({ id: "sequence", triggers: [{ event: "test/sequence" }] }, async ({ event, step }) => {
        const a = await step.run("first", () => {
          bump(`first:${event.id}`);
          return (event.data as { n: number }).n + 1;
        });
        const b = await step.run("second", () => a * 10);
        return { a, b };
      }),
      inngest.createFunction(
        // Steps reported three at a time: one checkpoint for several.
        { id: "buffered", checkpointing: { bufferedSteps: 3, maxInterval: "30s" }, triggers: [{ event: "test/buffered" }] },
        async ({ event, step }) => {
          bump(`buffered-request:${event.id}`);
          let total = 0;
          for (let i = 1; i <= 5; i++)
            total += await step.run(`add-${i}`, () => {
              bump(`buffered-step:${event.id}`);
              return i;
            });
          const go = await step.waitForEvent("go", { event: "test/buffered-go", if: `async.data.key == "${event.id}"`, timeout: "30s" });
          total += await step.run("after", () => {
            bump(`buffered-step:${event.id}`);
            return go ? 100 : 0;
          });
          return total;
        },
      ),
      inngest.createFunction({ id: "flaky", retries: 3, triggers: [{ event: "test/flaky" }] }, async ({ event, step, attempt }) => {
        return step.run("sometimes-fails", () => {
          const n = bump(`flaky:${event.id}`);
          if (n < 3) throw new Error(`boom ${n} (attempt ${attempt})`);
          return `ok after ${n}`;
        });
      }),
      inngest.createFunction(
        {
          id: "strict",
          retries: 3,
          triggers: [{ event: "test/strict" }],
          onFailure: async ({ event }: { event: { data: unknown } }) => {
            failures.push(event.data);
          },
        },
        async ({ event, step }) => {
          await step.run("refuses", () => {
            bump(`strict:${event.id}`);
            throw new NonRetriableError("bad input, do not retry");
          });
        },
      ),
      inngest.createFunction({ id: "catcher", retries: 1, triggers: [{ event: "test/catch" }] }, async ({ step }) => {
        try {
          await step.run("always-fails", () => {
            throw new Error("nope");
          });
          return "unreachable";
        } catch (error) {
          return `caught: ${(error as Error).message}`;
        }
      }),
      inngest.createFunction({ id: "retry-after", retries: 2, triggers: [{ event: "test/retry-after" }] }, async ({ event, step }) => {
        return step.run("rate-limited", () => {
          const list = timestamps.get(event.id) ?? [];
          list.push(Date.now());
          timestamps.set(event.id, list);
          if (list.length === 1) throw new RetryAfterError("slow down", 1000);
          return list.length;
        });
      }),
      inngest.createFunction({ id: "sleeper", triggers: [{ event: "test/sleep" }] }, async ({ step }) => {
        const before = await step.run("before", () => Date.now());
        await step.sleep("nap", "1s");
        const after = await step.run("after", () => Date.now());
        return after - before;
      }),
      inngest.createFunction({ id: "waiter", triggers: [{ event: "test/wait" }] }, async ({ event, step }) => {
        const approval = await step.waitForEvent("approval", {
          event: "test/approved",
          match: "data.id",
          timeout: (event.data as { timeout: string }).timeout,
        });
        return approval ? { approvedBy: (approval.data as { by: string }).by } : "timed out";
      }),
      inngest.createFunction({ id: "parallel", triggers: [{ event: "test/parallel" }] }, async ({ event, step }) => {
        const [x, y] = await Promise.all([
          step.run("left", () => {
            bump(`left:${event.id}`);
            return 2;
          }),
          step.run("right", () => {
            bump(`right:${event.id}`);
            return 3;
          }),
        ]);
        return x * y;
      }),
      child,
      slowChild,
      inngest.createFunction({ id: "impatient-parent", triggers: [{ event: "test/impatient" }] }, async ({ step }) => {
        try {
          await step.invoke("call-slow-child", { function: slowChild, data: {}, timeout: "1s" });
          return "finished";
        } catch (error) {
          return `gave up: ${(error as Error).message}`;
        }
      }),
      inngest.createFunction(
        { id: "throttled", throttle: { limit: 1, period: "1s" }, triggers: [{ event: "test/throttled" }] },
        async () => "ok",
      ),
      inngest.createFunction({ id: "parent", triggers: [{ event: "test/parent" }] }, async ({ step }) => {
        const doubled = await step.invoke("call-child", { function: child, data: { n: 21 } });
        return { doubled };
      }),
      inngest.createFunction({ id: "emitter", triggers: [{ event: "test/emit" }] }, async ({ event, step }) => {
        await step.sendEvent("emit", { name: "test/sequence", data: { n: (event.data as { n: number }).n } });
        return "sent";
      }),
      inngest.createFunction(
        { id: "cancellable", triggers: [{ event: "test/long" }], cancelOn: [{ event: "test/cancel", match: "data.id" }] },
        async ({ step }) => {
          await step.sleep("long-nap", "1h");
          return "woke";
        },
      ),
      inngest.createFunction(
        { id: "once-per-key", idempotency: "event.data.key", triggers: [{ event: "test/idempotent" }] },
        async ({ event }) => {
          return (event.data as { key: string }).key;
        },
      ),
      inngest.createFunction(
        { id: "one-at-a-time", concurrency: { limit: 1, key: "event.data.user" }, triggers: [{ event: "test/limited" }] },
        async ({ event, step }) => {
          await step.run("guarded", async () => {
            const start = Date.now();
            await new Promise((r) => setTimeout(r, 150));
            intervals.push([(event.data as { user: string }).user, start, Date.now()]);
          });
          return "ok";
        },
      ),
      inngest.createFunction({ id: "every-second", triggers: [{ cron: "TZ=Europe/Paris * * * * * *" }] }, async ({ event }) => {
        cronTicks.push(event);
        return "tick";
      }),
      inngest.createFunction({ id: "filtered", triggers: [{ event: "test/filtered", if: "event.data.go == true" }] }, async () => "went"),
    ];
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("executor with the real inngest SDK", () => {
  it("registers the app's functions and warns about options it does not implement", async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ id: string; maxAttempts: number }>(
      `SELECT id, "maxAttempts" FROM executor_function WHERE "appId" = 'contract' AND NOT "isArchived" ORDER BY id`,
    );
    await client.end();
    expect(rows.map((r) => r.id)).toContain("contract-sequence");
    expect(rows.map((r) => r.id)).toContain("contract-strict-failure");
    expect(rows.find((r) => r.id === "contract-flaky")?.maxAttempts).toBe(4);
    const warned = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await warned.connect();
    const { rows: w } = await warned.query<{ warnings: string[] }>(
      `SELECT warnings FROM executor_function WHERE id = 'contract-throttled'`,
    );
    await warned.end();
    expect(w[0]!.warnings).toEqual([
      'Function contract-throttled: option "throttle" is not implemented by the Longhaul executor and is ignored.',
    ]);
  });

  it("runs steps in order, memoizing each result (each step body runs once)", async () => {
    const id = await h.send("test/sequence", { n: 4 });
    const [run] = await h.settled(id);
    expect(run!.status).toBe("Completed");
    expect(run!.output).toEqual({ a: 5, b: 50 });
    expect(calls.get(`first:${id}`)).toBe(1);
  });

  it("lets the SDK run several steps per request (async checkpointing) and refuses stale checkpoints", async () => {
    const before = h.executor.worker.sdkCalls;
    const id = await h.send("test/sequence", { n: 10 });
    const [run] = await h.settled(id);
    expect(run!.output).toEqual({ a: 11, b: 110 });
    // Two steps and the return value in one request; classic mode needs three. (The every-second
    // cron function of this suite may add one request meanwhile.)
    expect(h.executor.worker.sdkCalls - before).toBeLessThan(3);
    const stale = await fetch(`${h.executor.url}/v1/checkpoint/${run!.run_id}/async`, {
      method: "POST",
      body: JSON.stringify({ run_id: run!.run_id, qi_id: "999999.worker-gone", steps: [{ id: "x", op: "StepRun", data: 1 }] }),
    });
    expect(stale.status).toBe(409);
    const malformed = await fetch(`${h.executor.url}/v1/checkpoint/${run!.run_id}/async`, {
      method: "POST",
      body: JSON.stringify({ steps: [] }),
    });
    expect(malformed.status).toBe(400);
  });

  it("stores steps the SDK buffered: several in one checkpoint, in order, each run once", async () => {
    const id = await h.send("test/buffered");
    await expect.poll(() => calls.get(`buffered-step:${id}`) ?? 0, { timeout: 10_000 }).toBe(5);
    await h.send("test/buffered-go", { key: id });
    const [run] = await h.settled(id);
    expect(run!.output).toBe(115);
    // Each step body ran once, and the function was called twice: to start and after the event (the SDK
    // checkpoints its buffered steps, three and then two, before it reports the wait).
    expect(calls.get(`buffered-step:${id}`)).toBe(6);
    expect(calls.get(`buffered-request:${id}`)).toBe(2);
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query<{ name: string; status: string }>(
      `SELECT s.name, s.status::text FROM executor_run r, jsonb_array_elements_text(r.stack) WITH ORDINALITY AS k(step, n)
         JOIN executor_step s ON s."stepId" = k.step
        WHERE r.id = $1 AND s."runId" = r.id ORDER BY k.n`,
      [run!.run_id],
    );
    await client.end();
    expect(rows.map((r) => r.name)).toEqual(["add-1", "add-2", "add-3", "add-4", "add-5", "go", "after"]);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["completed"]));
  });

  it("retries a failing step with backoff until it succeeds", async () => {
    const id = await h.send("test/flaky");
    const [run] = await h.settled(id);
    expect(run!.output).toBe("ok after 3");
    expect(calls.get(`flaky:${id}`)).toBe(3);
  });

  it("does not retry a NonRetriableError, fails the run and calls onFailure", async () => {
    const id = await h.send("test/strict");
    const [run] = await h.settled(id);
    expect(run!.status).toBe("Failed");
    expect(calls.get(`strict:${id}`)).toBe(1);
    await expect.poll(() => failures.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(failures.at(-1)).toMatchObject({ function_id: "contract-strict", run_id: run!.run_id });
  });

  it("hands a finally failed step's error back to the function, which may catch it", async () => {
    const id = await h.send("test/catch");
    const [run] = await h.settled(id);
    expect(run!.status).toBe("Completed");
    expect(run!.output).toBe("caught: nope");
  });

  it("honours RetryAfterError's delay", async () => {
    const id = await h.send("test/retry-after");
    const [run] = await h.settled(id);
    expect(run!.output).toBe(2);
    const [first, second] = timestamps.get(id)!;
    expect(second! - first!).toBeGreaterThanOrEqual(950);
  });

  it("sleeps durably and resumes after the duration", async () => {
    const id = await h.send("test/sleep");
    const [run] = await h.settled(id);
    expect(run!.status).toBe("Completed");
    expect(run!.output as number).toBeGreaterThanOrEqual(1000);
  });

  it("waitForEvent resumes on the matching event only, with the event as its value", async () => {
    const id = await h.send("test/wait", { id: "w1", timeout: "30s" });
    await expect
      .poll(async () => {
        const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await client.connect();
        const { rowCount } = await client.query(
          `SELECT 1 FROM executor_wait w JOIN executor_run r ON r.id = w."runId" WHERE r."eventId" = $1`,
          [id],
        );
        await client.end();
        return rowCount;
      })
      .toBe(1);
    await h.send("test/approved", { id: "someone-else", by: "mallory" });
    await h.send("test/approved", { id: "w1", by: "alice" });
    const [run] = await h.settled(id);
    expect(run!.output).toEqual({ approvedBy: "alice" });
  });

  it("waitForEvent times out with null", async () => {
    const id = await h.send("test/wait", { id: "w2", timeout: "1s" });
    const [run] = await h.settled(id);
    expect(run!.output).toBe("timed out");
  });

  it("runs parallel steps each exactly once and continues when both finished", async () => {
    const id = await h.send("test/parallel");
    const [run] = await h.settled(id);
    expect(run!.output).toBe(6);
    expect(calls.get(`left:${id}`)).toBe(1);
    expect(calls.get(`right:${id}`)).toBe(1);
  });

  it("step.invoke runs another function and returns its output", async () => {
    const id = await h.send("test/parent");
    const [run] = await h.settled(id);
    expect(run!.output).toEqual({ doubled: 42 });
  });

  it("step.invoke gives up after its timeout with an error the function can catch", async () => {
    const id = await h.send("test/impatient");
    const [run] = await h.settled(id);
    expect(run!.output).toBe("gave up: Timed out waiting for the invoked function to complete");
  });

  it("step.sendEvent triggers other functions", async () => {
    const id = await h.send("test/emit", { n: 1 });
    const [run] = await h.settled(id);
    expect(run!.output).toBe("sent");
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await expect
      .poll(async () => {
        const { rows } = await client.query<{ output: unknown }>(
          `SELECT r.output FROM executor_run r JOIN executor_event e ON e.id = r."eventId"
            WHERE e.name = 'test/sequence' AND (e.data->>'n')::int = 1 AND r.status = 'completed'`,
        );
        return rows.map((r) => r.output);
      })
      .toEqual([{ a: 2, b: 20 }]);
    await client.end();
  });

  it("cancelOn cancels a sleeping run on the matching event", async () => {
    const id = await h.send("test/long", { id: "c1" });
    await new Promise((r) => setTimeout(r, 300));
    await h.send("test/cancel", { id: "other" });
    await new Promise((r) => setTimeout(r, 200));
    expect((await h.runsOf(id))[0]!.status).toBe("Running");
    await h.send("test/cancel", { id: "c1" });
    const [run] = await h.settled(id);
    expect(run!.status).toBe("Cancelled");
  });

  it("starts one run per idempotency key", async () => {
    const first = await h.send("test/idempotent", { key: "k-1" });
    const second = await h.send("test/idempotent", { key: "k-1" });
    expect((await h.settled(first)).length).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.runsOf(second)).toEqual([]);
  });

  it("de-duplicates events by id", async () => {
    const a = await h.send("test/sequence", { n: 7 }, "dedupe-me");
    const b = await h.send("test/sequence", { n: 7 }, "dedupe-me");
    expect(b).toBe(a);
    expect(await h.settled(a)).toHaveLength(1);
  });

  it("evaluates trigger expressions", async () => {
    const yes = await h.send("test/filtered", { go: true });
    const no = await h.send("test/filtered", { go: false });
    expect((await h.settled(yes))[0]!.output).toBe("went");
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.runsOf(no)).toEqual([]);
  });

  it("limits steps in flight per concurrency key", async () => {
    const ids = await Promise.all([
      h.send("test/limited", { user: "ann" }),
      h.send("test/limited", { user: "ann" }),
      h.send("test/limited", { user: "ann" }),
      h.send("test/limited", { user: "bob" }),
    ]);
    for (const id of ids) expect((await h.settled(id))[0]!.status).toBe("Completed");
    const ann = intervals.filter(([user]) => user === "ann").sort((a, b) => a[1] - b[1]);
    expect(ann).toHaveLength(3);
    for (let i = 1; i < ann.length; i++) expect(ann[i]![1]).toBeGreaterThanOrEqual(ann[i - 1]![2]);
    // Another key is not held back by ann's queue: bob's step overlapped one of ann's.
    const [, bobStart, bobEnd] = intervals.find(([user]) => user === "bob")!;
    expect(ann.some(([, start, end]) => start < bobEnd && bobStart < end)).toBe(true);
  });

  it("fires cron triggers (with TZ=) as inngest/scheduled.timer events", async () => {
    await expect.poll(() => cronTicks.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(cronTicks[0]).toMatchObject({ name: "inngest/scheduled.timer", data: { cron: "TZ=Europe/Paris * * * * * *" } });
  });

  it("rejects malformed events with a clear 400 and stores nothing", async () => {
    const bad = await fetch(`${h.executor.url}/e/key`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "Request body is not valid JSON." });
    const noName = await fetch(`${h.executor.url}/e/key`, { method: "POST", body: JSON.stringify([{ data: {} }]) });
    expect(await noName.json()).toMatchObject({ error: 'Event 0 has no "name".' });
    const huge = await fetch(`${h.executor.url}/e/key`, {
      method: "POST",
      body: JSON.stringify([{ name: "x", data: { s: "a".repeat(600_000) } }]),
    });
    expect(huge.status).toBe(413);
  });

  it("answers Inngest's REST read of a run", async () => {
    const id = await h.send("test/sequence", { n: 1 });
    const [run] = await h.settled(id);
    const res = await fetch(`${h.executor.url}/v1/runs/${run!.run_id}`);
    const body = (await res.json()) as { data: { status: string; output: unknown; ended_at: string } };
    expect(body.data).toMatchObject({ status: "Completed", output: { a: 2, b: 20 } });
    expect(Date.parse(body.data.ended_at)).toBeGreaterThan(0);
    expect((await fetch(`${h.executor.url}/v1/runs/NOPE`)).status).toBe(404);
  });
});
