import { describe, expect, it } from "vitest";
import { formStateOf, toInput } from "~/components/agents/form/form-state";
import { latestProgress } from "~/components/agents/mcp-result";
import { agentSettingsSchema, defaultToolSettings } from "~/shared/agent-input";
import { TOOL_CATALOG } from "~/shared/tool-catalog";

const base = { name: "Researcher", goal: "Answer questions from the documentation." };

describe("the agent form's MCP tools", () => {
  it("keeps stored MCP settings beside the catalog's and sends them after the catalog's tools", () => {
    const stored = [
      ...defaultToolSettings(),
      { name: "mcp_docs_search_docs", enabled: true, approval: "never" as const },
      { name: "mcp_gone_old_tool", enabled: false, approval: "always" as const },
    ];
    const state = formStateOf({ ...base, tools: stored });
    expect(state.tools.map((t) => t.name)).toEqual(TOOL_CATALOG.map((t) => t.name));
    expect(state.mcpTools).toEqual([
      { name: "mcp_docs_search_docs", enabled: true, approval: "never" },
      { name: "mcp_gone_old_tool", enabled: false, approval: "always" },
    ]);
    const input = toInput(state);
    expect(input.tools?.slice(TOOL_CATALOG.length)).toEqual(state.mcpTools);
    const parsed = agentSettingsSchema.parse(input);
    expect(parsed.tools.filter((t) => t.name.startsWith("mcp_")).map((t) => t.name)).toEqual(["mcp_docs_search_docs", "mcp_gone_old_tool"]);
  });

  it("starts a new agent with no MCP settings (every MCP tool off) and the catalog's defaults", () => {
    const state = formStateOf({});
    expect(state.mcpTools).toEqual([]);
    expect(toInput({ ...state, ...base }).tools).toHaveLength(TOOL_CATALOG.length);
  });

  it("is refused by the schema when two settings name the same tool", () => {
    const state = formStateOf(base);
    const twice = { ...state, mcpTools: [0, 1].map(() => ({ name: "mcp_docs_search_docs", enabled: true, approval: "never" as const })) };
    const parsed = agentSettingsSchema.safeParse(toInput(twice));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("Each tool can appear only once.");
  });
});

describe("an MCP call's progress on the timeline", () => {
  it("shows each call's newest update with how many there were", () => {
    const p = (name: string, progress: number) => ({ kind: "tool_progress" as const, name, progress, total: 4 });
    expect(latestProgress([p("a", 1), p("b", 1), p("a", 3)])).toEqual([
      { progress: p("a", 3), updates: 2 },
      { progress: p("b", 1), updates: 1 },
    ]);
    expect(latestProgress([])).toEqual([]);
  });
});
