import type { DescribeOptions, EventText } from "./event-text";

/**
 * Sub-agents' events in words (issue 23, docs/decisions/040), for shared/event-text.ts: a child's first
 * event ("delegated"), the changes that flowed down to it from its parent ("with_parent"), the parent's
 * `delegate` call and its result, and a go-on child's end reaching its parent as a trigger. Plain
 * functions on stored payloads; a public page (`anonymous`) names no other agent.
 */
type Payload = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const obj = (value: unknown): Payload => (value && typeof value === "object" && !Array.isArray(value) ? (value as Payload) : {});

function text(label: string, sentence: string, detail: string | null = null, tone: EventText["tone"] = "neutral"): EventText {
  return { label, sentence, detail, tone };
}

/** A goal or result cut to a readable length, on a word when one is near. */
export function clip(value: string, max = 80): string {
  const flat = value.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

function parentOf(p: Payload, options: DescribeOptions): string {
  return options.anonymous ? "its parent agent" : (str(p.parentName) ?? "its parent agent");
}

/** A child's first event: who started it, at which cycle, and whether the parent waits. */
export function describeDelegated(p: Payload, options: DescribeOptions): EventText {
  const parent = parentOf(p, options);
  const cycle = num(p.parentCycle);
  const waits = p.mode === "go_on" ? "goes on while this one works" : "waits for the result";
  const the = options.anonymous ? "The parent" : parent;
  return text("Started by its parent", `Started by ${parent}${cycle !== null ? ` at its cycle ${cycle}` : ""}; ${the} ${waits}.`);
}

/** A change that flowed down from the parent: paused, resumed or stopped with it. */
export function describeWithParent(p: Payload, options: DescribeOptions): EventText {
  const parent = parentOf(p, options);
  const to = str(p.to);
  if (to === "paused") return text("Paused with its parent", `Paused with ${parent}.`);
  if (to === "running") return text("Resumed with its parent", `Resumed with ${parent}.`, null, "success");
  if (to === "stopped") {
    const reason = str(p.reason);
    // A public page keeps the reason in the detail, which a link's redaction can hide.
    if (options.anonymous || !reason) return text("Stopped with its parent", `Stopped with ${parent}.`, reason, "danger");
    return text("Stopped with its parent", `Stopped with ${parent}: ${reason.replace(/[.!]?$/, ".")}`, null, "danger");
  }
  return text("Changed with its parent", `Now ${(to ?? "changed").replace(/_/g, " ")} with ${parent}.`, str(p.reason));
}

export type DelegateTask = { name: string | null; goal: string | null };

/** Arguments as stored: the JSON text the model wrote, or (older events, tests) an object. */
function parsedArguments(args: unknown): Payload {
  if (typeof args !== "string") return obj(args);
  try {
    return obj(JSON.parse(args));
  } catch {
    return {};
  }
}

/** The tasks of a `delegate` call's arguments. */
export function delegateTasks(args: unknown): { tasks: DelegateTask[]; wait: boolean } {
  const a = parsedArguments(args);
  const tasks = Array.isArray(a.tasks) ? a.tasks.map((t) => ({ name: str(obj(t).name), goal: str(obj(t).goal) })) : [];
  return { tasks, wait: a.wait !== false };
}

const children = (n: number) => `${n} child ${n === 1 ? "agent" : "agents"}`;

/** The parent's `delegate` call: how many children, each goal clipped. */
export function describeDelegateCall(p: Payload): EventText {
  const { tasks, wait } = delegateTasks(p.arguments);
  const goals = tasks.map((t, i) => `${t.name ?? `task ${i + 1}`}: ${t.goal ? clip(t.goal, 60) : "(no goal)"}`);
  return text(
    "Delegated",
    `Started ${children(tasks.length)} and ${wait ? "waits for their results" : "goes on while they work"}${goals.length ? ` (${goals.join("; ")})` : ""}.`,
  );
}

/** One child in a `delegate` result or a child's trigger, as written by the engine (ChildOutcome, or a started child). */
export type ChildLine = { id: string | null; name: string; status: string | null; text: string | null };

function childLine(value: unknown): ChildLine {
  const c = obj(value);
  const status = str(c.status);
  return {
    id: str(c.childId) ?? str(c.id),
    name: str(c.name) ?? (status === "deleted" ? "a deleted child" : "a child"),
    status,
    text: str(c.result) ?? str(c.reason),
  };
}

/** The children a `delegate` result names: their ends (wait) or their start (go on). */
export function delegateResultChildren(result: unknown): { mode: "wait" | "go_on"; children: ChildLine[]; timedOut: number } {
  const r = obj(result);
  const list = Array.isArray(r.children) ? r.children.map(childLine) : [];
  return { mode: r.mode === "go_on" ? "go_on" : "wait", children: list, timedOut: num(r.timedOut) ?? 0 };
}

const statusWords = (status: string | null) => (status ? status.replace(/_/g, " ") : "ended");

/** The parent's `delegate` result: each child, its status and result or reason (names only off a public page). */
export function describeDelegateResult(p: Payload, options: DescribeOptions): EventText {
  if (p.status !== "succeeded") return text("Result", `delegate ${str(p.status) ?? "finished"}.`, str(p.error), "danger");
  const { mode, children: list, timedOut } = delegateResultChildren(p.result);
  if (mode === "go_on") {
    const names = options.anonymous ? "" : `: ${list.map((c) => c.name).join(", ")}`;
    return text("Delegated", `${children(list.length)} started; their results arrive as events${names}.`, null, "success");
  }
  const ends = list.map((c) => `${options.anonymous ? "a child" : c.name} ${statusWords(c.status)}`);
  const late = timedOut > 0 ? ` ${timedOut} did not finish in time and ${timedOut === 1 ? "was" : "were"} stopped.` : "";
  const allDone = list.every((c) => c.status === "completed");
  return text(
    "Children ended",
    `${children(list.length)} ended${ends.length ? `: ${ends.join(", ")}` : ""}.${late}`,
    null,
    allDone && timedOut === 0 ? "success" : "warning",
  );
}

/** A go-on child's end, reaching its parent as a trigger. */
export function describeChildTrigger(p: Payload, options: DescribeOptions): EventText {
  const child = childLine(p.body);
  const tone = child.status === "completed" ? "success" : "warning";
  // A public page names no agent and keeps the result in the detail, which a link's redaction can hide.
  if (options.anonymous) return text("Child ended", `A child agent ended: ${statusWords(child.status)}.`, child.text, tone);
  const result = child.text ? ` — ${clip(child.text, 200)}` : "";
  return text("Child ended", `Child ${child.name} ended: ${statusWords(child.status)}${result}.`, null, tone);
}
