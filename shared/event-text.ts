import type { EventType } from "../server/db/generated/enums";
import {
  describeChildTrigger,
  describeDelegateCall,
  describeDelegateResult,
  describeDelegated,
  describeWithParent,
} from "./delegation-text";

/**
 * An event of an agent's history in words: the one place that says what each event type (and each
 * payload shape the loop, the controls, the watchdog, approvals, triggers and summaries write) means.
 * The agent timeline and the public share page both render through it, so the two never disagree.
 *
 * People: the timeline passes the person's name (resolved on the server, team-scoped); the share page
 * is public and passes `anonymous`, so a person is "a team member" there. Internal ids are never
 * part of the words.
 */
export type EventText = {
  /** A short heading: "Paused", "Budget raised", "Approval timed out". */
  label: string;
  /** One sentence saying what happened. */
  sentence: string;
  /** A person's or the loop's own words that go with it (a stop reason, an error message); null when none. */
  detail: string | null;
  tone: "neutral" | "success" | "warning" | "danger";
};

export type DescribeOptions = {
  /** The name of the person who acted (the timeline resolves user ids to names on the server). */
  actorName?: string | null;
  /** A public page: people are "a team member", other agents "another agent". */
  anonymous?: boolean;
};

/** Every event type, for tests and exhaustive checks. */
export const EVENT_TYPES = [
  "thought",
  "tool_call",
  "tool_result",
  "observation",
  "approval_requested",
  "approval_decided",
  "budget",
  "summary",
  "error",
  "status_change",
  "message",
  "trigger",
] as const satisfies readonly EventType[];

type Payload = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** "waiting_approval" → "waiting for approval". */
export function statusWords(status: string | null): string {
  if (!status) return "an unknown status";
  return status === "waiting_approval" ? "waiting for approval" : status.replace(/_/g, " ");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function text(label: string, sentence: string, detail: string | null = null, tone: EventText["tone"] = "neutral"): EventText {
  return { label, sentence, detail, tone };
}

/** Who acted: the name given, or (public page, unknown person) a neutral phrase. Never an id. */
function actorOf(p: Payload, options: DescribeOptions): string {
  if (options.anonymous) return "A team member";
  return options.actorName ?? str(p.decidedBy) ?? "A person";
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
const LIMITS = [
  ["budgetUsd", "money limit", (v: string) => usd.format(Number(v))],
  ["budgetTokens", "token limit", (v: string) => `${Number(v).toLocaleString("en-US")} tokens`],
  ["budgetCycles", "cycle limit", (v: string) => `${Number(v).toLocaleString("en-US")} cycles`],
] as const;

/** A limit as stored in a payload: a decimal string or a number. */
function amount(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

/** "money limit $1.00 → $5.00, cycle limit 10 cycles → 20 cycles" from a raise's from/to. */
function raisedLimits(p: Payload): string {
  const from = (p.from && typeof p.from === "object" ? p.from : {}) as Payload;
  const to = (p.to && typeof p.to === "object" ? p.to : {}) as Payload;
  const parts: string[] = [];
  for (const [key, name, format] of LIMITS) {
    const next = amount(to[key]);
    if (next === null) continue;
    const previous = amount(from[key]);
    parts.push(`${name} ${previous === null ? "unlimited" : format(previous)} → ${format(next)}`);
  }
  return parts.length > 0 ? parts.join(", ") : "new limits";
}

function raisedLimitNames(p: Payload): string {
  const to = (p.to && typeof p.to === "object" ? p.to : {}) as Payload;
  const names = LIMITS.filter(([key]) => to[key] !== undefined && to[key] !== null).map(([, name]) => name);
  return names.length > 0 ? names.join(", ") : "new limits";
}

const POLICY_EFFECT: Record<string, string> = {
  approve: "so the call went ahead as if approved",
  reject: "so the call was rejected",
  pause: "so the agent was paused",
  stop: "so the agent was stopped",
};

function describeApprovalRequest(p: Payload): EventText {
  const tool = str(p.toolName);
  const reason = str(p.reason);
  if (p.stage === "hold" && p.kind === "budget")
    return text(
      "Approval requested",
      "The soft budget limit was reached: the agent waits for a person to let it continue.",
      reason,
      "warning",
    );
  if (p.stage === "hold" && p.kind === "stuck")
    return text("Approval requested", "The agent looks stuck: it waits for a person to let it continue.", reason, "warning");
  if (p.stage === "outcome")
    return text(
      "Approval requested",
      `Whether ${tool ?? "a tool call"} happened is unknown: a person decides to retry it, count it as done, or skip it.`,
      reason,
      "warning",
    );
  return text("Approval requested", `Asked a person before calling ${tool ?? "a tool"}.`, null, "warning");
}

function describeApprovalDecision(p: Payload, options: DescribeOptions): EventText {
  const status = str(p.status);
  const comment = str(p.comment);
  if (p.timedOut === true) {
    const policy = str(p.policy);
    const effect = policy
      ? `; its timeout policy is "${policy}", ${POLICY_EFFECT[policy] ?? `so it was ${statusWords(status)}`}`
      : p.kind === "budget"
        ? "; the agent was paused at the soft budget limit"
        : p.kind === "stuck"
          ? "; the agent stays stuck until a person resumes it"
          : p.stage === "outcome"
            ? "; the call was left undecided and the agent stopped"
            : "";
    return text("Approval timed out", `Nobody answered in time${effect}.`, null, "warning");
  }
  const who = actorOf(p, options);
  if (status === "cancelled") return text("Approval cancelled", "The approval was cancelled when the agent was stopped.");
  const resolution = str(p.resolution);
  const verb = status === "approved" ? "approved" : status === "rejected" ? "rejected" : statusWords(status);
  const after =
    resolution === "retry" ? " (call it again)" : resolution === "done" ? " (it happened)" : resolution === "skip" ? " (skip it)" : "";
  return text(
    capitalize(verb),
    `${who} ${verb}${after}.`,
    comment,
    status === "approved" ? "success" : status === "rejected" ? "danger" : "neutral",
  );
}

function describeBudget(p: Payload, options: DescribeOptions): EventText {
  const message = str(p.message);
  // A public page shows no money or tokens (server/sharing/redact.ts): which limits, not their amounts.
  if (p.stage === "raise") {
    const limits = options.anonymous ? raisedLimitNames(p) : raisedLimits(p);
    return text("Budget raised", `${actorOf(p, options)} raised the budget: ${limits}.`, null, "success");
  }
  if (p.stage === "recovery") {
    const fallback = "Calls cut off by a crash were charged at their worst case.";
    return text("Budget", options.anonymous ? fallback : (message ?? fallback), null, "warning");
  }
  const reason = str(p.reason);
  const limit =
    reason === "cycles"
      ? "cycle limit"
      : reason === "tokens"
        ? "token limit"
        : reason === "money" || reason === "usd"
          ? "money limit"
          : "budget limit";
  return text(
    "Budget limit reached",
    options.anonymous ? `The ${limit} was reached.` : (message ?? `The ${limit} was reached.`),
    null,
    "warning",
  );
}

function describeStatusChange(p: Payload, options: DescribeOptions): EventText {
  const reason = str(p.reason);
  const change = str(p.change);
  const to = str(p.to);
  const isPerson = Boolean(str(p.by) ?? str(p.byUserId)) || options.actorName;
  const who = actorOf(p, options);
  if (change === "settings_edited") {
    const fields = Array.isArray(p.fields) ? p.fields.filter((f): f is string => typeof f === "string") : [];
    return text("Settings edited", `${who} edited the settings${fields.length ? `: ${fields.join(", ")}` : ""}.`);
  }
  if (change === "forked") {
    const source = options.anonymous ? "another agent" : (str(p.fromAgentName) ?? "another agent");
    const cycle = num(p.fromCycle);
    return text("Forked", `Forked from ${source}${cycle !== null ? ` at its cycle ${cycle}` : ""}.`);
  }
  if (change === "delegated") return describeDelegated(p, options);
  if (change === "with_parent") return describeWithParent(p, options);
  if (change === "recovered")
    return text(
      "Restarted",
      `The watchdog restarted the agent: its run had stopped${str(p.why) ? ` (${str(p.why)})` : ""}.`,
      null,
      "warning",
    );
  if (change === "gave_up") return text("Failed", "The watchdog gave up restarting the agent.", reason, "danger");
  if (change === "resumed" || (isPerson && to === "running"))
    return text("Resumed", `${who} resumed the agent${str(p.from) ? ` (it was ${statusWords(str(p.from))})` : ""}.`, null, "success");
  if (isPerson && to === "paused") return text("Paused", `${who} paused the agent.`, reason);
  if (isPerson && to === "stopped") return text("Stopped", `${who} stopped the agent.`, reason, "danger");
  const from = str(p.from);
  const tone = to === "failed" || to === "budget_exhausted" ? "danger" : to === "completed" ? "success" : "neutral";
  return text(capitalize(statusWords(to)), `${from ? `${capitalize(statusWords(from))} → ` : "Now "}${statusWords(to)}.`, reason, tone);
}

function describeSummary(p: Payload, options: DescribeOptions): EventText {
  const cycles = `cycles ${num(p.fromCycle) ?? "?"}–${num(p.throughCycle) ?? "?"}`;
  if (p.stage === "restore")
    return text("Summary restored", `${actorOf(p, options)} put the digest of ${cycles} back in place of the model's summary.`);
  if (p.by === "model") return text("Summary", `The summary of ${cycles} was written by ${str(p.model) ?? "the model"}.`, str(p.reason));
  return text("Summary", `The summary of ${cycles} was kept as digest lines.`, str(p.reason));
}

function describeTrigger(p: Payload, options: DescribeOptions): EventText {
  const source = str(p.source);
  if (source === "child") return describeChildTrigger(p, options);
  if (source === "schedule") return text("Trigger", "Its schedule fired.");
  if (source === "webhook") return text("Trigger", "A webhook call arrived.");
  return text("Trigger", `A trigger arrived${source ? ` (${source})` : ""}.`);
}

/** What one event says, whatever its type; an unknown payload still gets a sentence, never raw JSON. */
export function describeEvent(type: EventType, payload: unknown, options: DescribeOptions = {}): EventText {
  const p: Payload = payload && typeof payload === "object" && !Array.isArray(payload) ? (payload as Payload) : {};
  switch (type) {
    case "thought": {
      const call = p.call && typeof p.call === "object" ? str((p.call as Payload).name) : null;
      return text("Thought", call ? `The model decided to call ${call}.` : "The model answered without a tool call.");
    }
    case "tool_call":
      if (p.name === "delegate") return describeDelegateCall(p);
      return text("Tool call", `Called ${str(p.name) ?? "a tool"}.`);
    case "tool_result": {
      if (p.name === "delegate") return describeDelegateResult(p, options);
      const status = str(p.status) ?? "finished";
      const tone =
        status === "succeeded"
          ? "success"
          : status === "unknown"
            ? "warning"
            : status === "failed" || status === "refused"
              ? "danger"
              : "neutral";
      return text("Result", `${str(p.name) ?? "The tool"} ${status === "unknown" ? "ended with an unknown outcome" : status}.`, null, tone);
    }
    case "observation": {
      if (p.kind === "tool_progress") {
        const total = num(p.total);
        return text(
          "Progress",
          `${str(p.name) ?? "A tool"} reported progress ${num(p.progress) ?? 0}${total !== null ? ` of ${total}` : ""}.`,
          str(p.message),
        );
      }
      return text("Observation", "The agent recorded an observation.", str(p.message) ?? str(p.text));
    }
    case "approval_requested":
      return describeApprovalRequest(p);
    case "approval_decided":
      return describeApprovalDecision(p, options);
    case "budget":
      return describeBudget(p, options);
    case "summary":
      return describeSummary(p, options);
    case "error": {
      const kind = str(p.kind);
      return text("Error", kind ? `${capitalize(kind.replace(/[-_]/g, " "))}.` : "Something went wrong.", str(p.message), "danger");
    }
    case "status_change":
      return describeStatusChange(p, options);
    case "message":
      return text("Message", "A message was recorded.", str(p.text) ?? str(p.message));
    case "trigger":
      return describeTrigger(p, options);
    default:
      return text(capitalize(String(type).replace(/_/g, " ")), "An event was recorded.");
  }
}

/**
 * Events a person (or the watchdog) caused outside the loop's own cycle: they are shown as rows of
 * their own, never inside a cycle's row.
 */
export function isOutsideCycleEvent(type: EventType, payload: unknown): boolean {
  const p: Payload = payload && typeof payload === "object" ? (payload as Payload) : {};
  if (type === "status_change")
    return (
      Boolean(str(p.by)) ||
      p.change === "resumed" ||
      p.change === "with_parent" ||
      p.change === "recovered" ||
      p.change === "gave_up" ||
      p.change === "settings_edited"
    );
  if (type === "budget") return p.stage === "raise" || p.stage === "recovery";
  return false;
}
