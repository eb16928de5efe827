import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../harness";

/**
 * Inngest's waitForEvent matches only events received after the wait began ("Preventing race
 * conditions" in its docs): an event sent by the step before the wait, or in the gap before the SDK
 * reports the wait, does not resume it. The executor behaves the same (docs/decisions/025).
 */
let h: Awaited<ReturnType<typeof startHarness>>;

beforeAll(async () => {
  h = await startHarness("contract-wait-race", (inngest) => [
    inngest.createFunction({ id: "waits-after-sending", triggers: [{ event: "test/race-start" }] }, async ({ event, step }) => {
      const key = (event.data as { key: string }).key;
      await step.run("send-too-early", () => inngest.send({ name: "test/race-answer", data: { key } }));
      const answer = await step.waitForEvent("answer", { event: "test/race-answer", if: `async.data.key == "${key}"`, timeout: "2s" });
      return answer ? "matched" : "timed out";
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("waitForEvent and events sent before it", () => {
  it("does not match an event received before the wait began", async () => {
    const id = await h.send("test/race-start", { key: `k-${Date.now()}` });
    const [run] = await h.settled(id, { timeoutMs: 15_000 });
    expect(run).toMatchObject({ status: "Completed", output: "timed out" });
  });

  it("still matches an event received after the wait began", async () => {
    const key = `k-${Date.now()}-late`;
    const id = await h.send("test/race-start", { key });
    // The first answer (sent by the step) is too early; this one comes while the wait is registered.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await h.send("test/race-answer", { key });
    const [run] = await h.settled(id, { timeoutMs: 15_000 });
    expect(run).toMatchObject({ status: "Completed", output: "matched" });
  });
});
