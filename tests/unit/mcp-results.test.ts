import { describe, expect, it } from "vitest";
import {
  formatBytes,
  imageDataUrl,
  mcpResultViewSchema,
  progressPercent,
  readMcpProgress,
  readMcpResult,
  safeHttpUrl,
  type McpResultView,
} from "~/shared/mcp-results";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const result: McpResultView = {
  mcp: { serverId: "6f1c0c1e-0000-4000-8000-000000000001", server: "Files", tool: "read_file" },
  isError: false,
  text: "hello",
  content: [
    { type: "text", text: "hello" },
    { type: "image", mimeType: "image/png", bytes: 68, data: PNG },
    { type: "audio", mimeType: "audio/wav", bytes: 120_000 },
    { type: "resource_link", uri: "https://example.com/a", name: "a", title: "A" },
    { type: "resource", uri: "file:///notes.txt", mimeType: "text/plain", text: "notes" },
  ],
  structuredContent: { rows: 2 },
  truncated: { bytes: 90_000, note: "Cut to 64 KB for the model." },
};

describe("MCP results on the timeline", () => {
  it("reads a result the server built, every block kept", () => {
    expect(mcpResultViewSchema.parse(result)).toEqual(result);
    expect(readMcpResult(result)).toEqual({ ...result, unreadableBlocks: 0 });
  });

  it("is not an MCP result when the frame does not fit (a built-in tool's result, an older payload)", () => {
    expect(readMcpResult("plain text")).toBeNull();
    expect(readMcpResult({ status: 200, body: "ok" })).toBeNull();
    expect(readMcpResult({ ...result, isError: "no" })).toBeNull();
    expect(readMcpResult(null)).toBeNull();
  });

  it("counts a block of an unknown or malformed type instead of dropping the whole result", () => {
    const read = readMcpResult({ ...result, content: [{ type: "text", text: "kept" }, { type: "video", uri: "x" }, { type: "image" }] });
    expect(read?.content).toEqual([{ type: "text", text: "kept" }]);
    expect(read?.unreadableBlocks).toBe(2);
    expect(mcpResultViewSchema.safeParse({ ...result, content: [{ type: "video" }] }).success).toBe(false);
  });

  it("makes a data URL only of a kept raster image with valid base64", () => {
    expect(imageDataUrl({ type: "image", mimeType: "image/png", bytes: 68, data: PNG })).toBe(`data:image/png;base64,${PNG}`);
    expect(imageDataUrl({ type: "image", mimeType: "IMAGE/PNG", bytes: 68, data: PNG })).toBe(`data:image/png;base64,${PNG}`);
    expect(imageDataUrl({ type: "image", mimeType: "image/png", bytes: 120_000 })).toBeNull();
    expect(imageDataUrl({ type: "image", mimeType: "image/svg+xml", bytes: 10, data: "PHN2Zz4=" })).toBeNull();
    expect(imageDataUrl({ type: "image", mimeType: "text/html", bytes: 10, data: PNG })).toBeNull();
    expect(imageDataUrl({ type: "image", mimeType: "image/png", bytes: 10, data: 'AAAA"><script>' })).toBeNull();
    expect(imageDataUrl({ type: "image", mimeType: "image/png;x=1", bytes: 10, data: PNG })).toBeNull();
  });

  it("links only to http(s) URLs", () => {
    expect(safeHttpUrl("https://example.com/a b")).toBe("https://example.com/a%20b");
    expect(safeHttpUrl("http://example.com")).toBe("http://example.com/");
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull();
    expect(safeHttpUrl(" JavaScript:alert(1)")).toBeNull();
    expect(safeHttpUrl("data:text/html,<b>x</b>")).toBeNull();
    expect(safeHttpUrl("file:///etc/passwd")).toBeNull();
    expect(safeHttpUrl("/relative/path")).toBeNull();
    expect(safeHttpUrl("github://repo/issue/1")).toBeNull();
  });

  it("reads progress, with a percentage only when the total is known", () => {
    const progress = readMcpProgress({ kind: "tool_progress", name: "mcp_files_read_file", progress: 3, total: 4, message: "page 3" });
    expect(progress && progressPercent(progress)).toBe(75);
    expect(progressPercent({ kind: "tool_progress", name: "x", progress: 3 })).toBeNull();
    expect(progressPercent({ kind: "tool_progress", name: "x", progress: 3, total: 0 })).toBeNull();
    expect(progressPercent({ kind: "tool_progress", name: "x", progress: 9, total: 4 })).toBe(100);
    expect(readMcpProgress({ kind: "other", name: "x", progress: 1 })).toBeNull();
    expect(readMcpProgress({ kind: "tool_progress", name: "x", progress: "1" })).toBeNull();
  });

  it("says sizes in bytes, KB and MB", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(120 * 1024)).toBe("120 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(3.4 * 1024 * 1024)).toBe("3.4 MB");
  });
});
