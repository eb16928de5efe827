import "server-only";
import type { EventType } from "../db/generated/enums";
import { readMcpProgress, readMcpResult, type McpResultShown } from "../../shared/mcp-results";
import { describeEvent, type EventText } from "../../shared/event-text";

/**
 * What a share link shows of one event. Built field by field from the stored payload (an allow-list,
 * not a deny-list): a field the loop adds to a payload tomorrow stays private until it is added
 * here, and an event type not listed shows its type and time only. Redaction happens here, on the
 * server, before anything is serialised, so hidden data never reaches the page or the API.
 *
 * Never shown, whatever the settings: the ids events carry beside the tool's data (recalled and
 * pinned memories, approvals, users, other agents), result hashes, money and tokens, and the names
 * of team members. A tool's own arguments and result are shown as written, unless redacted.
 */
export const REDACTED = "[redacted]";

export type ShareRedaction = { redactToolData: boolean; redactMemories: boolean };

/** Tools whose arguments and results are memory contents. */
const MEMORY_TOOLS = new Set(["remember", "search_memory"]);

type Base = { seq: number; cycle: number; createdAt: Date; durationMs: number | null };

export type SharedEventData =
  | {
      type: "thought";
      content: string | null;
      call: { name: string; arguments: string } | null;
      /** The memories recalled into the prompt: kind and score only, never ids or contents. */
      recalled: { kind: string; score: number }[];
      pinnedCount: number;
    }
  | { type: "tool_call"; name: string; arguments: string }
  | {
      type: "tool_result";
      name: string;
      status: string;
      result: unknown;
      /** An MCP call's result, read with its schema (then `result` is null); without the server's id. */
      mcpResult: McpResultShown | null;
      error: string | null;
      isNew: boolean | null;
    }
  /** An MCP call's progress (an `observation` of kind tool_progress); its message is the tool's data. */
  | { type: "tool_progress"; name: string; progress: number; total: number | null; message: string | null }
  /**
   * The events below carry `text`: the event in words (shared/event-text.ts, the timeline's words too),
   * with people as "a team member" and its detail redacted by the same rule as the field it quotes.
   */
  | { type: "approval_requested"; toolName: string | null; text: EventText }
  | { type: "approval_decided"; status: string | null; timedOut: boolean; policy: string | null; comment: string | null; text: EventText }
  | { type: "budget"; reason: string | null; message: string | null; text: EventText }
  | { type: "error"; stage: string | null; kind: string | null; message: string | null; text: EventText }
  | {
      type: "status_change";
      text: EventText;
      from: string | null;
      to: string | null;
      change: string | null;
      reason: string | null;
      fields: string[];
      fromCycle: number | null;
    }
  | { type: "other"; eventType: EventType; text: EventText };

export type SharedEvent = Base & SharedEventData;

type Payload = Record<string, unknown>;

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function isToolHidden(name: string | null, redaction: ShareRedaction): boolean {
  return redaction.redactToolData || (redaction.redactMemories && name !== null && MEMORY_TOOLS.has(name));
}

/** The event in words for a public page: no names; the detail hidden when the field it quotes is. */
function publicText(type: EventType, payload: unknown, isDetailHidden: boolean): EventText {
  const text = describeEvent(type, payload, { anonymous: true });
  return isDetailHidden && text.detail !== null ? { ...text, detail: REDACTED } : text;
}

export function redactEvent(event: Base & { type: EventType; payload: unknown }, redaction: ShareRedaction): SharedEvent {
  const base: Base = { seq: event.seq, cycle: event.cycle, createdAt: event.createdAt, durationMs: event.durationMs };
  const p: Payload = event.payload && typeof event.payload === "object" && !Array.isArray(event.payload) ? (event.payload as Payload) : {};
  switch (event.type) {
    case "thought": {
      const call = p.call && typeof p.call === "object" ? (p.call as Payload) : null;
      const callName = str(call?.name);
      const recalled = Array.isArray(p.recalled) ? (p.recalled as Payload[]) : [];
      const memory = p.memory && typeof p.memory === "object" ? (p.memory as Payload) : {};
      return {
        ...base,
        type: "thought",
        content: str(p.content),
        call: call
          ? { name: callName ?? "?", arguments: isToolHidden(callName, redaction) ? REDACTED : (str(call.arguments) ?? "") }
          : null,
        recalled: recalled.map((m) => ({ kind: str(m?.kind) ?? "memory", score: num(m?.score) ?? 0 })),
        pinnedCount: Array.isArray(memory.pinned) ? memory.pinned.length : 0,
      };
    }
    case "tool_call": {
      const name = str(p.name);
      const args = typeof p.arguments === "string" ? p.arguments : JSON.stringify(p.arguments ?? {});
      return { ...base, type: "tool_call", name: name ?? "?", arguments: isToolHidden(name, redaction) ? REDACTED : args };
    }
    case "tool_result": {
      const name = str(p.name);
      const hidden = isToolHidden(name, redaction);
      const error = str(p.error);
      const mcp = hidden ? null : readMcpResult(p.result);
      return {
        ...base,
        type: "tool_result",
        name: name ?? "?",
        status: str(p.status) ?? "unknown",
        result: hidden ? (p.result === undefined ? null : REDACTED) : mcp ? null : (p.result ?? null),
        mcpResult: mcp ? { ...mcp, mcp: { server: mcp.mcp.server, tool: mcp.mcp.tool } } : null,
        error: hidden && error !== null ? REDACTED : error,
        isNew: typeof p.isNew === "boolean" ? p.isNew : null,
      };
    }
    case "observation": {
      const progress = readMcpProgress(p);
      if (!progress) return { ...base, type: "other", eventType: event.type, text: publicText(event.type, p, redaction.redactToolData) };
      return {
        ...base,
        type: "tool_progress",
        name: progress.name,
        progress: progress.progress,
        total: progress.total ?? null,
        message: progress.message === undefined ? null : isToolHidden(progress.name, redaction) ? REDACTED : progress.message,
      };
    }
    case "approval_requested":
      // A hold's reason and an outcome's are the loop's words about the call: they go with the tool data.
      return { ...base, type: "approval_requested", toolName: str(p.toolName), text: publicText(event.type, p, redaction.redactToolData) };
    case "approval_decided":
      return {
        ...base,
        type: "approval_decided",
        status: str(p.status),
        timedOut: p.timedOut === true,
        policy: str(p.policy),
        // A reviewer's comment is about the call it judged: it goes with the tool data.
        comment: redaction.redactToolData && p.comment ? REDACTED : str(p.comment),
        text: publicText(event.type, p, redaction.redactToolData),
      };
    case "budget":
      return { ...base, type: "budget", reason: str(p.reason), message: str(p.message), text: publicText(event.type, p, false) };
    case "error": {
      const kind = str(p.kind);
      // An invalid call's message quotes the arguments the model wrote.
      const quotesArguments = kind === "invalid-tool-call" || str(p.stage) !== "think";
      const message = str(p.message);
      return {
        ...base,
        type: "error",
        stage: str(p.stage),
        kind,
        message: redaction.redactToolData && quotesArguments && message !== null ? REDACTED : message,
        text: publicText(event.type, p, redaction.redactToolData && quotesArguments),
      };
    }
    case "status_change": {
      // A finishing agent's reason is the `finish` tool's result; a person's stop reason is theirs.
      const reason = str(p.reason);
      return {
        ...base,
        type: "status_change",
        from: str(p.from),
        to: str(p.to),
        change: str(p.change),
        reason: redaction.redactToolData && reason !== null ? REDACTED : reason,
        fields: Array.isArray(p.fields) ? p.fields.filter((f): f is string => typeof f === "string") : [],
        fromCycle: num(p.fromCycle),
        text: publicText(event.type, p, redaction.redactToolData && reason !== null),
      };
    }
    default:
      // Summaries quote the history they fold, triggers their caller's data: their details go with the tool data.
      return { ...base, type: "other", eventType: event.type, text: publicText(event.type, p, redaction.redactToolData) };
  }
}
