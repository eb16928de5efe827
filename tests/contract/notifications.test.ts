import { describe, expect, it } from "vitest";
import { db } from "~/server/db/client";
import { notify } from "~/server/notifications/notify";
import { createTestTeam } from "../factories/team";
import { withContractApp } from "../fixtures/contract-app";

/**
 * notification-dispatch through the project's executor and the real SDK: three events inside a rule's
 * interval go out as one message at once and, when the interval ends (step.sleepUntil), ONE digest
 * listing the other two.
 */
withContractApp();

async function waitFor<T>(what: string, read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("notification-dispatch", () => {
  it("sends the first event at once and the rest as one digest when the interval ends", async () => {
    const owner = await createTestTeam();
    const channel = await db.channel.create({ data: { teamId: owner.team.id, name: "ops", kind: "webhook", secretsCiphertext: "x" } });
    await db.notificationRule.create({
      data: { teamId: owner.team.id, name: "ops", kinds: ["failed"], channelIds: [channel.id], minIntervalSeconds: 3 },
    });
    const agent = await owner.caller.agent.create({ name: "Research bot", goal: "Watch prices.", model: "simulator-1", budgetUsd: 5 });
    const raise = (text: string) => notify({ teamId: owner.team.id, agentId: agent.id, kind: "failed", details: { text } });
    const first = await raise("first");
    const read = () =>
      db.channelDelivery.findMany({
        where: { teamId: owner.team.id },
        orderBy: { createdAt: "asc" },
        select: { message: true, createdAt: true },
      });
    const [immediate] = await waitFor("the first message", read, (d) => d.length === 1);
    await raise("second");
    await raise("third");
    const deliveries = await waitFor("the digest", read, (d) => d.length === 2, 20_000);
    const digest = deliveries[1]!;
    const data = (digest.message as { data: { notifications: { id: string }[] } }).data;
    expect(data.notifications).toHaveLength(2);
    expect(data.notifications.map((n) => n.id)).not.toContain(first);
    // Not before the interval (3 s from the first message) ended.
    expect(digest.createdAt.getTime() - immediate!.createdAt.getTime()).toBeGreaterThanOrEqual(2_900);
    // And nothing more comes.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await read()).toHaveLength(2);
    const rule = await db.notificationRule.findFirstOrThrow({ where: { teamId: owner.team.id } });
    expect(rule.digestDueAt).toBeNull();
  }, 60_000);
});
