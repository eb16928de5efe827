import { describe, expect, it } from "vitest";
import { agentSettingsSchema } from "~/shared/agent-input";
import { AGENT_TEMPLATES } from "~/shared/agent-templates";
import { TOOL_NAMES } from "~/shared/tool-catalog";

describe("agent templates", () => {
  it.each(AGENT_TEMPLATES.map((t) => [t.id, t] as const))(
    "%s is a valid agent once named, with every tool listed once",
    (_id, template) => {
      const parsed = agentSettingsSchema.safeParse({ ...template.settings, name: "From a template" });
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(parsed.data!.tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
      // Every template can end its work, and the ones that talk to people ask first.
      expect(parsed.data!.tools.find((t) => t.name === "finish")?.enabled).toBe(true);
      const send = parsed.data!.tools.find((t) => t.name === "send_message")!;
      if (send.enabled) expect(send.approval).not.toBe("never");
    },
  );

  it("ids are unique", () => {
    expect(new Set(AGENT_TEMPLATES.map((t) => t.id)).size).toBe(AGENT_TEMPLATES.length);
  });
});
