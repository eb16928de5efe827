import { describe, expect, it } from "vitest";
import { EXPOSED_NAME_MAX, exposedToolNames, shortHash, slugifyServerName } from "~/shared/mcp-servers";

const ALLOWED = /^[a-zA-Z0-9_-]+$/;

describe("the names MCP tools are shown to a model under", () => {
  it("are mcp_<slug>_<tool> when the tool's name fits as it is", () => {
    const names = exposedToolNames("github", ["create_issue", "list-repos", "Search"]);
    expect([...names.values()]).toEqual(["mcp_github_create_issue", "mcp_github_list-repos", "mcp_github_Search"]);
  });

  it("are sanitized to [a-zA-Z0-9_-] and at most 64 characters, with a hash of the original name when changed", () => {
    const long = "a".repeat(100);
    const names = exposedToolNames("files", ["read.file", "ünïcode tool", "with space", long, "a/b:c"]);
    for (const [tool, name] of names) {
      expect(name, tool).toMatch(ALLOWED);
      expect(name.length, tool).toBeLessThanOrEqual(EXPOSED_NAME_MAX);
      expect(name.startsWith("mcp_files_"), tool).toBe(true);
    }
    expect(names.get("read.file")).toBe(`mcp_files_read_file_${shortHash("read.file")}`);
    expect(names.get(long)).toHaveLength(EXPOSED_NAME_MAX);
    expect(names.get(long)!.endsWith(`_${shortHash(long)}`)).toBe(true);
  });

  it("are unique even when sanitizing or cutting makes two names meet", () => {
    const tools = ["read.file", "read/file", "read_file", `${"x".repeat(80)}1`, `${"x".repeat(80)}2`];
    const names = exposedToolNames("s", tools);
    expect(new Set(names.values()).size).toBe(tools.length);
    // A name that fits stays as it is: the changed ones carry a hash of their original spelling.
    expect(names.get("read_file")).toBe("mcp_s_read_file");
  });

  it("are stable: the same tool gets the same name whatever the order of the list or the other tools", () => {
    const tools = ["echo", "get-sum", "read.file", "z".repeat(70)];
    const forward = exposedToolNames("everything", tools);
    const backward = exposedToolNames("everything", [...tools].reverse());
    const alone = exposedToolNames("everything", ["read.file"]);
    for (const tool of tools) expect(backward.get(tool)).toBe(forward.get(tool));
    expect(alone.get("read.file")).toBe(forward.get("read.file"));
    expect(exposedToolNames("everything", tools)).toEqual(forward);
  });

  it("never meet across two servers of a team: slugs have no underscore", () => {
    expect(slugifyServerName("GitHub (work)")).toBe("github-work");
    expect(slugifyServerName("a_b")).toBe("a-b");
    expect(slugifyServerName("!!!")).toBe("server");
    expect(slugifyServerName("A very long server name indeed")).toHaveLength(20);
    const first = exposedToolNames(slugifyServerName("a"), ["b_c"]).get("b_c");
    const second = exposedToolNames(slugifyServerName("a_b"), ["c"]).get("c");
    expect(first).toBe("mcp_a_b_c");
    expect(second).toBe("mcp_a-b_c");
  });
});
