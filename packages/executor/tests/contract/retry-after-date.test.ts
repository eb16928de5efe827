import { RetryAfterError } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startHarness } from "../harness";

/**
 * A RetryAfterError with a Date asks for the retry at that instant. The executor must store that
 * instant, not a delay measured from its own clock and added to the transaction's start (which runs the
 * retry early by however long the transaction had been open). The process clock is set an hour ahead of
 * the database's here, which makes the two readings differ by an hour instead of a few milliseconds.
 */
const retryDates = new Map<string, Date>();
let h: Awaited<ReturnType<typeof startHarness>>;

beforeAll(async () => {
  h = await startHarness("contract-retry-date", (inngest) => [
    inngest.createFunction({ id: "retry-at", retries: 2, triggers: [{ event: "test/retry-at" }] }, async ({ event, step }) =>
      step.run("rate-limited", () => {
        const at = new Date(Date.now() + 1000);
        retryDates.set(event.id, at);
        throw new RetryAfterError("come back later", at);
      }),
    ),
  ]);
}, 60_000);

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await h?.stop();
});

describe("RetryAfterError with a Date", () => {
  it("schedules the retry at that date, whatever the transaction's start", async () => {
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + 3_600_000);
    const eventId = await h.send("test/retry-at");
    let runAt: number | undefined;
    for (const deadline = realNow() + 10_000; runAt === undefined && realNow() < deadline;) {
      const runs = await h.runsOf(eventId);
      if (runs[0]) {
        const { rows } = await h.executor.pool.query<{ at: string }>(
          `SELECT extract(epoch FROM "runAt") * 1000 AS at FROM executor_job WHERE "runId" = $1 AND attempt = 1`,
          [runs[0].run_id],
        );
        if (rows[0]) runAt = Number(rows[0].at);
      }
      if (runAt === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(runAt).toBeDefined();
    // Stored with millisecond precision (timestamp(3)).
    expect(Math.abs(runAt! - retryDates.get(eventId)!.getTime())).toBeLessThanOrEqual(1);
  });
});
