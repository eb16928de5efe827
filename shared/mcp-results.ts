import { z } from "zod";

/**
 * What an MCP tool call leaves on the timeline (issue 20): the `result` of its `tool_result` event and
 * the `tool_progress` observations while it runs. The server builds these from the SDK's answer; the
 * agent page and share links parse them with the schemas below before rendering anything, so a payload
 * of another shape (an older event, a block type added later) falls back to plain JSON instead of
 * breaking the page. Plain zod and pure functions: safe for the browser.
 */

export type McpBlock =
  | { type: "text"; text: string }
  /** `data` (base64) only when the image was small enough to keep. */
  | { type: "image"; mimeType: string; bytes: number; data?: string }
  | { type: "audio"; mimeType: string; bytes: number }
  | { type: "resource_link"; uri: string; name: string; title?: string; description?: string; mimeType?: string }
  | { type: "resource"; uri: string; mimeType?: string; text?: string; bytes?: number };

export type McpResultView = {
  mcp: { serverId: string; server: string; tool: string };
  isError: boolean;
  /** What the model was given, possibly clipped. */
  text: string;
  content: McpBlock[];
  structuredContent?: unknown;
  truncated?: { bytes: number; note: string };
};

export type McpToolProgress = { kind: "tool_progress"; name: string; progress: number; total?: number; message?: string };

const byteCount = z.number().int().nonnegative();

export const mcpBlockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image"), mimeType: z.string(), bytes: byteCount, data: z.string().optional() }),
  z.object({ type: z.literal("audio"), mimeType: z.string(), bytes: byteCount }),
  z.object({
    type: z.literal("resource_link"),
    uri: z.string(),
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
  }),
  z.object({
    type: z.literal("resource"),
    uri: z.string(),
    mimeType: z.string().optional(),
    text: z.string().optional(),
    bytes: byteCount.optional(),
  }),
]) satisfies z.ZodType<McpBlock>;

export const mcpResultViewSchema = z.object({
  mcp: z.object({ serverId: z.string(), server: z.string(), tool: z.string() }),
  isError: z.boolean(),
  text: z.string(),
  content: z.array(mcpBlockSchema),
  structuredContent: z.unknown().optional(),
  truncated: z.object({ bytes: byteCount, note: z.string() }).optional(),
}) satisfies z.ZodType<McpResultView>;

export const mcpToolProgressSchema = z.object({
  kind: z.literal("tool_progress"),
  name: z.string(),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
}) satisfies z.ZodType<McpToolProgress>;

/** A result as a page renders it: the blocks it could read, and how many it could not (a type added later). */
export type McpResultRead = McpResultView & { unreadableBlocks: number };
/** What a page needs of one (a share link leaves the server's id out: it shows no ids). */
export type McpResultShown = Omit<McpResultRead, "mcp"> & { mcp: { server: string; tool: string } };

const resultFrame = mcpResultViewSchema.extend({ content: z.array(z.unknown()) });

/**
 * A `tool_result` event's `result` as an MCP result, or null when it is not one (a built-in tool's
 * result, an older payload): the caller shows it as JSON. A block of an unknown type is counted, not
 * rendered, and does not hide the others.
 */
export function readMcpResult(value: unknown): McpResultRead | null {
  const frame = resultFrame.safeParse(value);
  if (!frame.success) return null;
  const blocks = frame.data.content.map((block) => mcpBlockSchema.safeParse(block));
  return {
    ...frame.data,
    content: blocks.flatMap((b) => (b.success ? [b.data] : [])),
    unreadableBlocks: blocks.filter((b) => !b.success).length,
  };
}

/** An `observation` event's payload as an MCP call's progress, or null. */
export function readMcpProgress(value: unknown): McpToolProgress | null {
  const parsed = mcpToolProgressSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** How far a call is, 0–100, when its server said out of how much; null when it did not. */
export function progressPercent(progress: McpToolProgress): number | null {
  if (progress.total === undefined || !(progress.total > 0)) return null;
  return Math.min(100, Math.max(0, (progress.progress / progress.total) * 100));
}

/** Image types shown from a data URL: raster formats only (an SVG is a document of its own). */
const SHOWN_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A `data:` URL for an image block that kept its bytes, of a raster type and valid base64; otherwise null. */
export function imageDataUrl(block: Extract<McpBlock, { type: "image" }>): string | null {
  const mimeType = block.mimeType.trim().toLowerCase();
  if (!block.data || !SHOWN_IMAGE_TYPES.has(mimeType) || block.data.length % 4 !== 0 || !BASE64.test(block.data)) return null;
  return `data:${mimeType};base64,${block.data}`;
}

/** A link a page may point to: only an absolute http(s) URL (never javascript:, data:, file: or a server's own scheme). */
export function safeHttpUrl(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/** "120 KB", "3.4 MB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toLocaleString("en-US")} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** The status of a call whose outcome is unknown, and what the page says about it. */
export const UNKNOWN_OUTCOME_STATUS = "unknown";
export const UNKNOWN_OUTCOME_TEXT = "Outcome unknown: the call was in flight when its attempt died; a person decides in the inbox.";
