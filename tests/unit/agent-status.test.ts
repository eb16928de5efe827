import { describe, expect, it } from "vitest";
import { AgentStatus } from "~/server/db/generated/enums";
import { AGENT_STATUSES, allows, LISTED_STATUSES, LOOP_STATUSES, PERSON_ACTIONS } from "~/shared/agent-status";

describe("agent statuses", () => {
  it("are the database enum's values, in its order", () => {
    expect([...AGENT_STATUSES]).toEqual(Object.values(AgentStatus));
  });

  it("people can stop anything but what is stopped, read-only or still importing; a finished agent can be started again", () => {
    expect(AGENT_STATUSES.filter((s) => !allows("stop", s))).toEqual(["stopped", "archived", "importing"]);
    expect(allows("start", "completed")).toBe(true);
    expect(allows("start", "running")).toBe(false);
    expect(allows("pause", "paused")).toBe(false);
    expect(LISTED_STATUSES).not.toContain("importing");
  });

  it("never lets the loop overwrite what a person or an ending set", () => {
    for (const status of ["paused", "stopped", "completed", "failed", "budget_exhausted", "archived", "importing"] as const) {
      expect(LOOP_STATUSES.loopOwned).not.toContain(status);
    }
    for (const group of Object.values(PERSON_ACTIONS)) expect(group).not.toContain("importing");
  });
});
