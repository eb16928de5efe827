import { describe, expect, it } from "vitest";
import { describeEvent, isOutsideCycleEvent } from "~/shared/event-text";
import { clip, delegateResultChildren } from "~/shared/delegation-text";
import { REDACTED, redactEvent } from "~/server/sharing/redact";

/** Sub-agents' events in words (shared/delegation-text.ts through describeEvent). */
const CHILD = "5b0c7c1e-58f4-4c43-9d43-7d0f1d6a9a11";

describe("sub-agent events in words", () => {
  it("a child's first event says who started it, at which cycle, and whether the parent waits", () => {
    const wait = { change: "delegated", to: "running", parentId: CHILD, parentName: "Planner", parentCycle: 4, mode: "wait" };
    expect(describeEvent("status_change", wait)).toMatchObject({
      label: "Started by its parent",
      sentence: "Started by Planner at its cycle 4; Planner waits for the result.",
    });
    expect(describeEvent("status_change", { ...wait, mode: "go_on" }).sentence).toBe(
      "Started by Planner at its cycle 4; Planner goes on while this one works.",
    );
    const shared = describeEvent("status_change", wait, { anonymous: true });
    expect(shared.sentence).not.toContain("Planner");
    expect(JSON.stringify(shared)).not.toContain(CHILD);
  });

  it("changes that flowed down from the parent name it, and are rows of their own", () => {
    expect(describeEvent("status_change", { change: "with_parent", to: "paused", parentName: "Planner" }).sentence).toBe(
      "Paused with Planner.",
    );
    expect(
      describeEvent("status_change", { change: "with_parent", to: "stopped", reason: "Its parent stopped waiting for it" }),
    ).toMatchObject({
      label: "Stopped with its parent",
      sentence: "Stopped with its parent agent: Its parent stopped waiting for it.",
      tone: "danger",
    });
    expect(isOutsideCycleEvent("status_change", { change: "with_parent", to: "paused" })).toBe(true);
  });

  it("the parent's delegate call counts its children and clips each goal", () => {
    const goal = "Read the first source carefully and report every claim it makes about pricing, with quotes and links";
    const call = describeEvent("tool_call", {
      name: "delegate",
      arguments: { tasks: [{ name: "first reader", goal }, { goal: "Read the second source." }], wait: true },
    });
    expect(call.label).toBe("Delegated");
    expect(call.sentence).toContain("Started 2 child agents and waits for their results");
    expect(call.sentence).toContain("first reader: Read the first source");
    expect(call.sentence).toContain("…");
    expect(call.sentence).toContain("task 2: Read the second source.");
    expect(call.sentence).not.toContain("with quotes and links");
    // As the loop stores them: the JSON text the model wrote.
    const stored = describeEvent("tool_call", { name: "delegate", arguments: JSON.stringify({ tasks: [{ goal }], wait: false }) });
    expect(stored.sentence).toContain("Started 1 child agent and goes on while they work (task 1: Read the first source");
    expect(clip("a ".repeat(100), 20).length).toBeLessThanOrEqual(20);
  });

  it("the delegate result names each child with its status; go-on starts are told apart", () => {
    const result = {
      name: "delegate",
      status: "succeeded",
      result: {
        children: [
          { childId: CHILD, name: "first reader", status: "completed", result: "Found 3 prices", isSuccess: true, reason: null },
          { childId: "x", name: "second reader", status: "failed", result: null, isSuccess: false, reason: "Its model failed" },
        ],
      },
    };
    expect(describeEvent("tool_result", result)).toMatchObject({
      label: "Children ended",
      sentence: "2 child agents ended: first reader completed, second reader failed.",
      tone: "warning",
    });
    expect(delegateResultChildren(result.result).children[1]).toEqual({
      id: "x",
      name: "second reader",
      status: "failed",
      text: "Its model failed",
    });
    const goOn = { name: "delegate", status: "succeeded", result: { mode: "go_on", children: [{ id: CHILD, name: "first reader" }] } };
    expect(describeEvent("tool_result", goOn).sentence).toBe("1 child agent started; their results arrive as events: first reader.");
    expect(describeEvent("tool_result", result, { anonymous: true }).sentence).not.toContain("reader");
  });

  it("a go-on child's end reaching its parent says how it ended and its result", () => {
    const body = { childId: CHILD, name: "first reader", status: "completed", result: "Found 3 prices", reason: null };
    expect(describeEvent("trigger", { source: "child", deliveryId: `child:${CHILD}`, body })).toMatchObject({
      label: "Child ended",
      sentence: "Child first reader ended: completed — Found 3 prices.",
      tone: "success",
    });
  });
});

describe("sub-agent events on a share link", () => {
  const at = { seq: 1, cycle: 2, createdAt: new Date("2026-01-01T00:00:00Z"), durationMs: null };
  const body = { childId: CHILD, name: "first reader", status: "completed", result: "The secret price list", reason: null };

  it("names no agent, and a link that hides tool data hides a child's result and a cascade's stop reason", () => {
    const trigger = redactEvent(
      { ...at, type: "trigger", payload: { source: "child", deliveryId: `child:${CHILD}`, body } },
      {
        redactToolData: true,
        redactMemories: false,
      },
    );
    expect(JSON.stringify(trigger)).not.toContain("The secret price list");
    expect(JSON.stringify(trigger)).not.toContain("first reader");
    expect(trigger).toMatchObject({ text: { sentence: "A child agent ended: completed.", detail: REDACTED } });

    const open = redactEvent(
      { ...at, type: "trigger", payload: { source: "child", body } },
      { redactToolData: false, redactMemories: false },
    );
    expect(open).toMatchObject({ text: { detail: "The secret price list" } });

    const stopped = redactEvent(
      { ...at, type: "status_change", payload: { change: "with_parent", to: "stopped", reason: "The secret plan changed" } },
      { redactToolData: true, redactMemories: false },
    );
    expect(JSON.stringify(stopped)).not.toContain("The secret plan changed");
  });
});
