import type { GetStepTools } from "inngest";
import { inngest } from "../client";
import { agentApprovalDecided, agentChildFinished, agentPauseRequested, agentRunRequested, agentWakeRequested } from "../events";
import { hasTriggerSinceThought, isApprovalDecided } from "~/server/agents/wait-checks";
import {
  act,
  beginRun,
  collectChildren,
  endRun,
  openCycleSession,
  runCycle,
  settleApproval,
  settleHold,
  settleOutcome,
  type ApprovalSettlement,
} from "~/server/loop";
import { cooldownWakeCondition } from "~/server/triggers/wake";
import { isChildSettled } from "~/server/delegation/settle";
import { childWaitState } from "~/server/delegation/wait";

/** How long a wait listens before a step looks in the database for what it may have missed (decision 025). */
const RECHECK_AFTER_SECONDS = 5;

/**
 * A waitForEvent that also hears what was sent just before it began. Inngest matches only events sent
 * after a wait began, so an approval decided (or a trigger delivered) in the gap between the step that
 * made it possible and the wait would go unheard until the timeout. The wait therefore first listens
 * for RECHECK_AFTER_SECONDS; when that ends empty, the step `<id>-recheck` asks the database (`recheck`),
 * and only then does the wait go on (`<id>-rest`) for the rest of its time. Returns the event, or
 * "found" when the recheck found it, or null when the whole time passed.
 */
async function waitOrRecheck(
  step: GetStepTools<typeof inngest>,
  id: string,
  wait: { event: string; if: string; timeoutSeconds: number },
  recheck: () => Promise<boolean>,
): Promise<{ data: unknown } | "found" | null> {
  const first = Math.min(wait.timeoutSeconds, RECHECK_AFTER_SECONDS);
  const early = await step.waitForEvent(id, { event: wait.event, if: wait.if, timeout: `${first}s` });
  // A wait that is over anyway needs no recheck: what follows it reads the database itself.
  if (early || first >= wait.timeoutSeconds) return early;
  if (await step.run(`${id}-recheck`, recheck)) return "found";
  return step.waitForEvent(`${id}-rest`, { event: wait.event, if: wait.if, timeout: `${wait.timeoutSeconds - first}s` });
}

/**
 * One run of an agent: up to `cyclesPerRun` think-act cycles, then a rollover event starts the next
 * run from the agent's checkpoint. The body only orchestrates; every read, write, clock and model
 * call happens inside a step, in server/loop/. Step ids carry the cycle number, which comes
 * from the memoized begin-run step, so they are stable across replays. An ordinary cycle is one step
 * (`cycle-N`: think and act) and a cooldown wait that a trigger can end early (none when the cooldown is 0); a held or approval-waiting cycle adds its waits
 * and the steps after them.
 */
export const agentRun = inngest.createFunction(
  {
    id: "agent-run",
    retries: 5,
    // Back-to-back cycles (cooldown 0) report their finished steps to the executor ten at a time. The
    // agent's own checkpoint is what each step writes (events, world state, spend), and a step re-run
    // after a crash finds it (docs/decisions/006). No flush interval: its timer can end a request while a
    // step still runs, and that step would then overlap its own re-dispatch.
    checkpointing: { bufferedSteps: 10 },
    // One run per agent at a time.
    concurrency: [{ key: "event.data.agentId", limit: 1 }],
    // Pause and stop cancel the run at its next step boundary.
    cancelOn: [{ event: agentPauseRequested.name, match: "data.agentId" }],
    triggers: [{ event: agentRunRequested.name }],
  },
  async ({ event, step, runId }) => {
    const { agentId, teamId, reason } = agentRunRequested.data.parse(event.data);
    const plan = await step.run("begin-run", () => beginRun({ agentId, teamId, executorRunId: runId, reason }));
    if (!plan.shouldRun) return { skipped: plan.reason };
    const ids = { agentId, teamId, agentRunId: plan.agentRunId };
    // What this request's steps hand each other (server/loop/session.ts): a step of another request starts
    // from an empty session and reads what it needs, so replays and retries see the same results.
    const session = openCycleSession();

    let cycle = plan.firstCycle;
    let lastWakeId: string | null = null;
    for (let i = 0; i < plan.cyclesPerRun; i++, cycle++) {
      // An ordinary cycle is one step (think + act); holds and approvals wait between steps.
      // Without a cooldown the next cycle's step follows at once (the act can read ahead for it).
      const nextFollows = plan.cooldownSeconds === 0 && i + 1 < plan.cyclesPerRun;
      let { decision, outcome } = await step.run(`cycle-${cycle}`, () => runCycle({ ...ids, cycle, nextFollows }, session));
      // A hold (soft budget limit, stuck) waits for a person, then thinks again unless they stopped it.
      for (let hold = 1; decision.kind === "hold"; hold++) {
        const approvalId = decision.approvalId;
        const decided = await waitOrRecheck(
          step,
          `hold-${cycle}-${hold}`,
          { event: agentApprovalDecided.name, if: `async.data.approvalId == "${approvalId}"`, timeoutSeconds: plan.approvalTimeoutSeconds },
          () => isApprovalDecided({ agentId, teamId, approvalId }),
        );
        const settled = await step.run(`settle-hold-${cycle}-${hold}`, () =>
          settleHold({ ...ids, cycle, approvalId, timedOut: decided === null }),
        );
        if (settled.action === "end") {
          await step.run(`end-${cycle}`, () => endRun({ ...ids, cycle, status: settled.status, reason: settled.reason }));
          return { ended: settled.status, cycle };
        }
        ({ decision, outcome } = await step.run(`cycle-${cycle}-${hold}`, () => runCycle({ ...ids, cycle, nextFollows }, session)));
      }
      if (decision.kind === "stop") {
        const { status, reason } = decision;
        await step.run(`end-${cycle}`, () => endRun({ ...ids, cycle, status, reason }));
        return { ended: status, cycle };
      }
      if (decision.kind === "act" && decision.approvalId) {
        const approvalId = decision.approvalId;
        const callEventSeq = decision.callEventSeq;
        const decided = await waitOrRecheck(
          step,
          `approval-${cycle}`,
          { event: agentApprovalDecided.name, if: `async.data.approvalId == "${approvalId}"`, timeoutSeconds: plan.approvalTimeoutSeconds },
          () => isApprovalDecided({ agentId, teamId, approvalId }),
        );
        const approval: ApprovalSettlement = await step.run(`settle-approval-${cycle}`, () =>
          settleApproval({ ...ids, cycle, approvalId, timedOut: decided === null }),
        );
        if (approval.action !== "continue") {
          const status = approval.action === "pause" ? "paused" : "stopped";
          await step.run(`end-${cycle}`, () => endRun({ ...ids, cycle, status, reason: "Nobody answered the approval in time." }));
          return { ended: status, cycle };
        }
        outcome = await step.run(`act-${cycle}`, () => act({ ...ids, cycle, callEventSeq, approval, nextFollows: false }, session));
      }
      // A call whose outcome is unknown (its attempt died mid-call) waits for a person: retry, done or skip.
      for (let attempt = 1; outcome?.next === "hold" && decision.kind === "act"; attempt++) {
        const approvalId = outcome.approvalId;
        const callEventSeq = decision.callEventSeq;
        const decided = await waitOrRecheck(
          step,
          `outcome-${cycle}-${attempt}`,
          { event: agentApprovalDecided.name, if: `async.data.approvalId == "${approvalId}"`, timeoutSeconds: plan.approvalTimeoutSeconds },
          () => isApprovalDecided({ agentId, teamId, approvalId }),
        );
        const settled = await step.run(`settle-outcome-${cycle}-${attempt}`, () =>
          settleOutcome({ ...ids, cycle, approvalId, timedOut: decided === null }),
        );
        if (settled.action === "end") {
          await step.run(`end-${cycle}`, () => endRun({ ...ids, cycle, status: settled.status, reason: settled.reason }));
          return { ended: settled.status, cycle };
        }
        const resolution = settled.resolution;
        outcome = await step.run(`act-${cycle}-outcome-${attempt}`, () =>
          act({ ...ids, cycle, callEventSeq, approval: null, resolution, nextFollows: false }, session),
        );
      }
      // A delegate call that waits: each child still running is waited for (no step runs, nothing is spent),
      // until the call's time runs out; then the children's outcomes are recorded as the call's result.
      if (outcome?.next === "await_children" && decision.kind === "act") {
        const { childIds, pending, waitUntil } = outcome;
        const callEventSeq = decision.callEventSeq;
        for (const [index, childId] of pending.entries()) {
          // How long is left, asked in a step so that a replay waits the same (and a child that ended meanwhile is not waited for).
          const { settled, timeoutSeconds } = await step.run(`child-${cycle}-${index}-check`, () =>
            childWaitState({ teamId, childId, waitUntil }),
          );
          if (settled || timeoutSeconds <= 0) continue;
          await waitOrRecheck(
            step,
            `child-${cycle}-${index}`,
            { event: agentChildFinished.name, if: `async.data.childId == "${childId}"`, timeoutSeconds },
            () => isChildSettled({ teamId, childId }),
          );
        }
        outcome = await step.run(`collect-${cycle}`, () => collectChildren({ ...ids, cycle, callEventSeq, childIds }, session));
      }
      if (outcome?.next === "end") {
        const { status, reason } = outcome;
        await step.run(`end-${cycle}`, () => endRun({ ...ids, cycle, status, reason }));
        return { ended: status, cycle };
      }
      // A cooldown of 0 goes straight on: the next cycle runs in the same request (no sleep, no wake-up).
      // A person's pause then takes effect at the next think, which stops when the agent is no longer the loop's.
      // The cooldown is a wait, not a sleep, so a trigger (webhook, schedule) can end it early, including one
      // delivered during the cycle or just before the wait began (the recheck finds its event after the thought).
      if (plan.cooldownSeconds > 0) {
        const woke = await waitOrRecheck(
          step,
          `cooldown-${cycle}`,
          { event: agentWakeRequested.name, if: cooldownWakeCondition(agentId, lastWakeId), timeoutSeconds: plan.cooldownSeconds },
          () => hasTriggerSinceThought({ agentId, teamId, cycle }),
        );
        lastWakeId = woke && woke !== "found" ? (agentWakeRequested.data.safeParse(woke.data).data?.wakeId ?? null) : null;
      }
    }

    // Rollover: end this run and start the next from the checkpoint, keeping runs far below Inngest's limits.
    const lastCycle = cycle - 1;
    await step.run("end-run", () => endRun({ ...ids, cycle: lastCycle, status: null, reason: "rollover" }));
    await step.sendEvent("rollover", { name: agentRunRequested.name, data: { agentId, teamId, reason: "rollover" } });
    return { rolledOverAfter: lastCycle };
  },
);
