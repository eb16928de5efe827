import { describe, expect, it } from "vitest";
import { EventType } from "~/server/db/generated/enums";
import { describeEvent, EVENT_TYPES, isOutsideCycleEvent } from "~/shared/event-text";

/** The one module that puts events into words for the timeline and the share page (shared/event-text.ts). */
const USER_ID = "usr_8f3a2c1d9e";

describe("describeEvent", () => {
  it("lists every event type the database knows", () => {
    expect([...EVENT_TYPES].sort()).toEqual(Object.values(EventType).sort());
  });

  it("gives every event type a label and a sentence, never raw JSON or an id, even for an empty payload", () => {
    for (const type of EVENT_TYPES) {
      for (const payload of [{}, null, { by: USER_ID, byUserId: USER_ID, approvalId: "appr_1" }]) {
        const text = describeEvent(type, payload);
        expect(text.label, type).toMatch(/^[A-Z]/);
        expect(text.sentence, type).toMatch(/[.]$/);
        expect(JSON.stringify(text), type).not.toContain(USER_ID);
        expect(text.sentence, type).not.toContain("{");
      }
    }
  });

  it("says who paused, stopped and resumed, by name", () => {
    expect(describeEvent("status_change", { to: "paused", by: USER_ID }, { actorName: "Ada" })).toMatchObject({
      label: "Paused",
      sentence: "Ada paused the agent.",
    });
    expect(describeEvent("status_change", { to: "stopped", by: USER_ID, reason: "Done testing" }, { actorName: "Ada" })).toMatchObject({
      label: "Stopped",
      sentence: "Ada stopped the agent.",
      detail: "Done testing",
    });
    expect(
      describeEvent("status_change", { change: "resumed", from: "paused", to: "running", by: USER_ID }, { actorName: "Ada" }),
    ).toMatchObject({
      label: "Resumed",
      sentence: "Ada resumed the agent (it was paused).",
    });
    // The public page names nobody.
    expect(describeEvent("status_change", { to: "paused", by: USER_ID }, { anonymous: true }).sentence).toBe(
      "A team member paused the agent.",
    );
  });

  it("says a budget raise is a raise (not a limit reached), with the limits, and without amounts on a public page", () => {
    const raise = { stage: "raise", by: USER_ID, from: { budgetUsd: "1", budgetCycles: 10 }, to: { budgetUsd: "5", budgetCycles: 20 } };
    expect(describeEvent("budget", raise, { actorName: "Ada" })).toMatchObject({
      label: "Budget raised",
      sentence: "Ada raised the budget: money limit $1.00 → $5.00, cycle limit 10 cycles → 20 cycles.",
    });
    const shared = describeEvent("budget", raise, { anonymous: true });
    expect(shared.sentence).toBe("A team member raised the budget: money limit, cycle limit.");
    expect(describeEvent("budget", { stage: "think", reason: "cycles", message: "The cycle limit of 3 is reached." })).toMatchObject({
      label: "Budget limit reached",
      sentence: "The cycle limit of 3 is reached.",
    });
  });

  it("says a timed-out approval timed out and what its policy did", () => {
    for (const [policy, effect] of [
      ["approve", "went ahead as if approved"],
      ["reject", "was rejected"],
      ["pause", "agent was paused"],
      ["stop", "agent was stopped"],
    ] as const) {
      const text = describeEvent("approval_decided", { status: "expired", timedOut: true, policy });
      expect(text.label).toBe("Approval timed out");
      expect(text.sentence).toContain("Nobody answered in time");
      expect(text.sentence).toContain(effect);
      expect(text.sentence).not.toContain("did not approve");
    }
    expect(describeEvent("approval_decided", { stage: "hold", kind: "budget", status: "expired", timedOut: true }).sentence).toContain(
      "paused at the soft budget limit",
    );
  });

  it("says who decided an approval, with their comment", () => {
    expect(describeEvent("approval_decided", { status: "approved", decidedBy: "Olivia", comment: "fine" })).toMatchObject({
      label: "Approved",
      sentence: "Olivia approved.",
      detail: "fine",
    });
    expect(describeEvent("approval_decided", { status: "rejected", decidedBy: "Olivia" }, { anonymous: true }).sentence).toBe(
      "A team member rejected.",
    );
    expect(describeEvent("approval_decided", { stage: "outcome", status: "approved", resolution: "retry", decidedBy: "O" }).sentence).toBe(
      "O approved (call it again).",
    );
  });

  it("words the loop's, the watchdog's, triggers' and summaries' events", () => {
    expect(describeEvent("approval_requested", { approvalId: "a", toolName: "http_request" }).sentence).toBe(
      "Asked a person before calling http_request.",
    );
    expect(describeEvent("approval_requested", { stage: "hold", kind: "stuck", reason: "same call 3 times" }).detail).toBe(
      "same call 3 times",
    );
    expect(describeEvent("status_change", { change: "recovered", why: "heartbeat stale" }).sentence).toContain("watchdog restarted");
    expect(
      describeEvent("status_change", { change: "settings_edited", fields: ["goal"], byUserId: USER_ID }, { actorName: "Ada" }).sentence,
    ).toBe("Ada edited the settings: goal.");
    expect(describeEvent("status_change", { change: "forked", fromAgentName: "Scout", fromCycle: 4 }, { anonymous: true }).sentence).toBe(
      "Forked from another agent at its cycle 4.",
    );
    expect(describeEvent("status_change", { from: "running", to: "completed", reason: "done" })).toMatchObject({
      sentence: "Running → completed.",
      detail: "done",
      tone: "success",
    });
    expect(describeEvent("trigger", { source: "webhook" }).sentence).toBe("A webhook call arrived.");
    expect(describeEvent("summary", { stage: "fold", by: "model", fromCycle: 1, throughCycle: 5, model: "m" }).sentence).toBe(
      "The summary of cycles 1–5 was written by m.",
    );
    expect(describeEvent("error", { kind: "invalid-tool-call", message: "bad JSON" })).toMatchObject({
      sentence: "Invalid tool call.",
      detail: "bad JSON",
    });
  });

  it("takes people's and the watchdog's acts out of the cycles, and leaves the loop's own in them", () => {
    expect(isOutsideCycleEvent("status_change", { to: "paused", by: USER_ID })).toBe(true);
    expect(isOutsideCycleEvent("budget", { stage: "raise" })).toBe(true);
    expect(isOutsideCycleEvent("status_change", { change: "recovered" })).toBe(true);
    expect(isOutsideCycleEvent("status_change", { from: "running", to: "completed" })).toBe(false);
    expect(isOutsideCycleEvent("budget", { stage: "think" })).toBe(false);
    expect(isOutsideCycleEvent("thought", {})).toBe(false);
  });
});
