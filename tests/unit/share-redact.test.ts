import { describe, expect, it } from "vitest";
import { REDACTED, redactEvent } from "~/server/sharing/redact";

const at = { seq: 1, cycle: 1, createdAt: new Date("2026-01-01T00:00:00Z"), durationMs: null };
const none = { redactToolData: false, redactMemories: false };
const tools = { redactToolData: true, redactMemories: false };
const memories = { redactToolData: false, redactMemories: true };

describe("what a share link shows of an event", () => {
  it("keeps only the fields it knows, so new payload fields stay private", () => {
    const shared = redactEvent(
      {
        ...at,
        type: "tool_call",
        payload: { name: "http_get", arguments: '{"url":"https://a.test"}', approvalId: "secret-id", extra: "x" },
      },
      none,
    );
    expect(shared).toEqual({ ...at, type: "tool_call", name: "http_get", arguments: '{"url":"https://a.test"}' });
  });

  it("shows another event type in words only (none of its payload), and survives payloads of the wrong shape", () => {
    expect(redactEvent({ ...at, type: "trigger", payload: { body: "webhook secret" } }, none)).toEqual({
      ...at,
      type: "other",
      eventType: "trigger",
      text: { label: "Trigger", sentence: "A trigger arrived.", detail: null, tone: "neutral" },
    });
    for (const payload of [null, "text", [1, 2], 42]) {
      expect(redactEvent({ ...at, type: "thought", payload }, none)).toMatchObject({
        type: "thought",
        content: null,
        call: null,
        recalled: [],
      });
    }
  });

  it("hides tool arguments, results, errors and what quotes them under redactToolData", () => {
    expect(redactEvent({ ...at, type: "tool_call", payload: { name: "finish", arguments: '{"result":"r"}' } }, tools)).toMatchObject({
      arguments: REDACTED,
    });
    expect(redactEvent({ ...at, type: "tool_result", payload: { name: "x", status: "failed", error: "boom" } }, tools)).toMatchObject({
      result: null,
      error: REDACTED,
    });
    expect(
      redactEvent({ ...at, type: "error", payload: { stage: "think", kind: "invalid-tool-call", message: "args: {" } }, tools),
    ).toMatchObject({
      message: REDACTED,
    });
    // A model call's failure says nothing about tool data: it stays.
    expect(redactEvent({ ...at, type: "error", payload: { stage: "think", kind: "timeout", message: "Timed out." } }, tools)).toMatchObject(
      {
        message: "Timed out.",
      },
    );
    expect(redactEvent({ ...at, type: "status_change", payload: { to: "completed", reason: "final answer" } }, tools)).toMatchObject({
      reason: REDACTED,
    });
  });

  it("hides only memory tools' data under redactMemories, and never ships recalled memory ids", () => {
    const thought = redactEvent(
      {
        ...at,
        type: "thought",
        payload: {
          content: "c",
          call: { name: "remember", arguments: '{"content":"m"}' },
          recalled: [{ id: "mem-1", kind: "fact", score: 0.5 }],
          memory: { pinned: ["mem-2"] },
        },
      },
      memories,
    );
    expect(thought).toEqual({
      ...at,
      type: "thought",
      content: "c",
      call: { name: "remember", arguments: REDACTED },
      recalled: [{ kind: "fact", score: 0.5 }],
      pinnedCount: 1,
    });
    expect(redactEvent({ ...at, type: "tool_call", payload: { name: "http_get", arguments: "{}" } }, memories)).toMatchObject({
      arguments: "{}",
    });
    expect(
      redactEvent(
        { ...at, type: "tool_result", payload: { name: "search_memory", status: "succeeded", result: { memories: [] } } },
        memories,
      ),
    ).toMatchObject({
      result: REDACTED,
    });
  });

  it("shows an MCP call's result read with its schema, without the server's id, its cost or unknown fields; hides it with tool data", () => {
    const result = {
      mcp: { serverId: "0b6f3f64-5a4a-4c1e-9c59-1f0f5b7d2a10", server: "Files", tool: "read_file" },
      isError: false,
      text: "hello",
      content: [{ type: "text", text: "hello" }],
      structuredContent: { lines: 1 },
      extra: "private",
    };
    const payload = { name: "mcp_files_read_file", status: "succeeded", result, costUsd: "0.01" };
    const shown = redactEvent({ ...at, type: "tool_result", payload }, none);
    expect(shown).toMatchObject({ type: "tool_result", status: "succeeded", result: null });
    expect(shown.type === "tool_result" && shown.mcpResult).toEqual({
      mcp: { server: "Files", tool: "read_file" },
      isError: false,
      text: "hello",
      content: [{ type: "text", text: "hello" }],
      structuredContent: { lines: 1 },
      unreadableBlocks: 0,
    });
    expect(JSON.stringify(shown)).not.toContain(result.mcp.serverId);
    expect(JSON.stringify(shown)).not.toContain("0.01");
    const hidden = redactEvent({ ...at, type: "tool_result", payload }, tools);
    expect(hidden).toMatchObject({ result: REDACTED, mcpResult: null });
    expect(JSON.stringify(hidden)).not.toContain("hello");
  });

  it("shows an MCP call's progress, its message hidden with tool data; other observations only by type", () => {
    const payload = { kind: "tool_progress", name: "mcp_files_scan", progress: 2, total: 5, message: "scanning /secret" };
    expect(redactEvent({ ...at, type: "observation", payload }, none)).toEqual({
      ...at,
      type: "tool_progress",
      name: "mcp_files_scan",
      progress: 2,
      total: 5,
      message: "scanning /secret",
    });
    expect(redactEvent({ ...at, type: "observation", payload }, tools)).toMatchObject({ message: REDACTED, progress: 2 });
    expect(redactEvent({ ...at, type: "observation", payload: { kind: "page", body: "x" } }, none)).toEqual({
      ...at,
      type: "other",
      eventType: "observation",
      text: { label: "Observation", sentence: "The agent recorded an observation.", detail: null, tone: "neutral" },
    });
  });
});
