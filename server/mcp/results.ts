import "server-only";
import type { McpBlock, McpResultView } from "../../shared/mcp-results";

/**
 * What an MCP tool call's answer becomes: the view the timeline shows (text, images when small,
 * resource links, structured content, all bounded) and the text the model is given (bounded too, with a
 * note saying what was cut). The whole answer is kept once, in the effect ledger's receipt, up to
 * RESULT_LIMITS.storedBytes; beyond that only the view is kept. A server's answer is data, never trusted:
 * every field is checked for its type before it is used.
 */
export const RESULT_LIMITS = {
  /** The text the model is given for one call. */
  modelChars: 4_000,
  /** One text block as shown in the timeline. */
  viewTextChars: 16_000,
  /** An image (or audio) kept in the view to show, base64 length. */
  viewImageBase64: 200_000,
  /** Structured content in the view, serialized. */
  viewStructuredChars: 32_000,
  /** Blocks shown. */
  viewBlocks: 50,
  /** The receipt: the whole answer as the server sent it, serialized. */
  storedBytes: 1024 * 1024,
};

const str = (value: unknown, max = 2_000): string | undefined => (typeof value === "string" ? value.slice(0, max) : undefined);
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);
const base64Bytes = (data: string) => Math.floor((data.length * 3) / 4);
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
const sizeOf = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

function blockOf(raw: unknown): { view: McpBlock; modelText: string } | null {
  if (!raw || typeof raw !== "object") return null;
  const block = raw as Record<string, unknown>;
  switch (block.type) {
    case "text": {
      const text = typeof block.text === "string" ? block.text : "";
      return { view: { type: "text", text: clip(text, RESULT_LIMITS.viewTextChars) }, modelText: text };
    }
    case "image":
    case "audio": {
      const data = typeof block.data === "string" ? block.data : "";
      const mimeType = str(block.mimeType, 100) ?? "application/octet-stream";
      const bytes = base64Bytes(data);
      const view: McpBlock =
        block.type === "image"
          ? {
              type: "image",
              mimeType,
              bytes,
              // Only raster images are shown (an SVG could carry script), and only small ones.
              ...(/^image\/(png|jpeg|gif|webp)$/.test(mimeType) &&
              data.length <= RESULT_LIMITS.viewImageBase64 &&
              /^[A-Za-z0-9+/=]*$/.test(data)
                ? { data }
                : {}),
            }
          : { type: "audio", mimeType, bytes };
      return { view, modelText: `[${block.type}: ${mimeType}, ${sizeOf(bytes)}]` };
    }
    case "resource_link": {
      const uri = str(block.uri) ?? "";
      const name = str(block.name, 500) ?? uri;
      const view: McpBlock = {
        type: "resource_link",
        uri,
        name,
        ...(str(block.title, 500) ? { title: str(block.title, 500) } : {}),
        ...(str(block.description) ? { description: str(block.description) } : {}),
        ...(str(block.mimeType, 100) ? { mimeType: str(block.mimeType, 100) } : {}),
      };
      return { view, modelText: `[resource link: ${name} ${uri}]` };
    }
    case "resource": {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      const uri = str(resource.uri) ?? "";
      const text = typeof resource.text === "string" ? resource.text : undefined;
      const blob = typeof resource.blob === "string" ? resource.blob : undefined;
      const view: McpBlock = {
        type: "resource",
        uri,
        ...(str(resource.mimeType, 100) ? { mimeType: str(resource.mimeType, 100) } : {}),
        ...(text !== undefined ? { text: clip(text, RESULT_LIMITS.viewTextChars) } : {}),
        ...(blob !== undefined ? { bytes: base64Bytes(blob) } : {}),
      };
      return {
        view,
        modelText: text !== undefined ? `[resource ${uri}]\n${text}` : `[resource ${uri}: ${sizeOf(base64Bytes(blob ?? ""))}]`,
      };
    }
    default:
      return { view: { type: "text", text: `[a ${String(block.type).slice(0, 40)} block Longhaul does not show]` }, modelText: "" };
  }
}

/** The view and the model's text of a tools/call answer (the SDK has checked its JSON-RPC shape, not its content). */
export function shapeMcpResult(raw: unknown, mcp: McpResultView["mcp"]): { view: McpResultView; stored: unknown } {
  const answer = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const blocks = (Array.isArray(answer.content) ? answer.content : []).map(blockOf).filter((b) => b !== null);
  const structured = answer.structuredContent;
  const structuredText = structured === undefined ? "" : JSON.stringify(structured);
  const fullText = [
    ...blocks.map((b) => b.modelText).filter(Boolean),
    ...(structured !== undefined && blocks.length === 0 ? [structuredText] : []),
  ]
    .join("\n")
    .trim();
  const totalBytes = bytesOf(raw);
  let text = fullText || (answer.isError === true ? "The tool reported an error without a message." : "(no content)");
  let truncated: McpResultView["truncated"];
  if (text.length > RESULT_LIMITS.modelChars) {
    const note = `The answer was ${sizeOf(totalBytes)}; the first ${RESULT_LIMITS.modelChars.toLocaleString("en-US")} characters are shown. Ask for less (a narrower query, a page) if you need the rest.`;
    text = `${text.slice(0, RESULT_LIMITS.modelChars)}…\n[${note}]`;
    truncated = { bytes: totalBytes, note };
  }
  const view: McpResultView = {
    mcp,
    isError: answer.isError === true,
    text,
    content: blocks.slice(0, RESULT_LIMITS.viewBlocks).map((b) => b.view),
    ...(structured !== undefined
      ? {
          structuredContent:
            structuredText.length <= RESULT_LIMITS.viewStructuredChars
              ? structured
              : { note: `Structured content of ${sizeOf(bytesOf(structured))}, not shown.` },
        }
      : {}),
    ...(truncated ? { truncated } : {}),
  };
  // The receipt keeps the whole answer once when it is not too large; otherwise the view stands for it.
  const stored =
    totalBytes <= RESULT_LIMITS.storedBytes ? { answer: raw, view } : { view, notKept: `The answer was ${sizeOf(totalBytes)}.` };
  return { view, stored };
}
