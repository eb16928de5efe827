import { beforeAll, describe, expect, it, vi } from "vitest";
import type { AgentSettingsInput } from "~/shared/agent-input";
import type * as LoopModule from "~/server/loop";
import { db } from "~/server/db/client";
import type * as DeliverModule from "~/server/triggers/deliver";
import { toolCall, withContractApp, type AgentScript } from "../fixtures/contract-app";

/**
 * A person's decision or a trigger's wake-up that lands in the gap between the step that made it
 * possible and the wait for it (Inngest, like the bundled executor, does not match an event sent before
 * its wait began; docs/decisions/025). Here it lands inside the cycle step itself, after the approval
 * was created or the cycle's work was done and before the SDK reports the wait: the loop must still
 * act on it, within seconds, not after the approval's hour-long timeout or the one-hour cooldown.
 */
type CycleInput = Parameters<typeof LoopModule.runCycle>[0];
const inTheGap = vi.hoisted(() => ({ after: new Map<string, (input: CycleInput, approvalId: string | null) => Promise<void>>() }));
vi.mock("~/server/loop", async (importOriginal) => {
  const loop = await importOriginal<typeof LoopModule>();
  return {
    ...loop,
    runCycle: async (input: CycleInput, session: Parameters<typeof LoopModule.runCycle>[1]) => {
      const result = await loop.runCycle(input, session);
      const approvalId = result.decision.kind === "act" ? result.decision.approvalId : null;
      await inTheGap.after.get(input.agentId)?.(input, approvalId);
      return result;
    },
  };
});

const app = withContractApp();
let deliver: typeof DeliverModule;
const tool = toolCall;
beforeAll(async () => {
  deliver = await import("~/server/triggers/deliver");
});

const newAgent = (name: string, script: AgentScript, overrides: Partial<AgentSettingsInput>) =>
  app.scriptedAgent(name, script, { approvalTimeoutSeconds: 3600, ...overrides });

async function finished(agentId: string, timeoutMs = 30_000) {
  await expect
    .poll(async () => (await db.agent.findUniqueOrThrow({ where: { id: agentId }, select: { status: true } })).status, {
      timeout: timeoutMs,
      interval: 200,
    })
    .toBe("completed");
}

describe("a decision or wake-up sent before the loop's wait began", () => {
  it("an approval decided in the gap before its wait is acted on", async () => {
    const ids = await newAgent(
      "Decided in the gap",
      (cycle) =>
        cycle === 1 ? tool("send_message", { subject: "Quick", body: "Approved at once." }) : tool("finish", { result: "Done." }),
      {
        cooldownSeconds: 0,
        tools: (["send_message", "finish"] as const).map((name) => ({
          name,
          enabled: true,
          approval: name === "send_message" ? "always" : "never",
        })),
      },
    );
    inTheGap.after.set(ids.agentId, async (_input, approvalId) => {
      if (approvalId) await app.control.decideApproval({ teamId: ids.teamId, userId: ids.userId, approvalId, decision: "approved" });
    });
    await app.control.startAgent(ids);
    await finished(ids.agentId);
    expect(await db.outboxMessage.count({ where: { agentId: ids.agentId } })).toBe(1);
    expect(await db.approval.findFirstOrThrow({ where: { agentId: ids.agentId }, select: { status: true } })).toEqual({
      status: "approved",
    });
  });

  it("a trigger delivered in the gap before the cooldown's wait ends the cooldown", async () => {
    const ids = await newAgent(
      "Woken in the gap",
      (cycle) => (cycle === 1 ? tool("update_world_state", { set: { step: 1 } }) : tool("finish", { result: "Woken and done." })),
      { cooldownSeconds: 3600 },
    );
    inTheGap.after.set(ids.agentId, async (input) => {
      if (input.cycle !== 1) return;
      await deliver.deliverTrigger({
        agentId: ids.agentId,
        teamId: ids.teamId,
        source: "webhook",
        deliveryId: `gap-${ids.agentId}`,
        stored: { note: "in the gap" },
        event: { body: { note: "in the gap" }, contentType: "application/json", bytes: 20 },
      });
    });
    await app.control.startAgent(ids);
    await finished(ids.agentId);
  });
});
