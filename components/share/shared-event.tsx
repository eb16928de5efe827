import { clsx } from "clsx";
import { REDACTED, type SharedEvent } from "~/server/sharing/redact";
import { UNKNOWN_OUTCOME_STATUS, UNKNOWN_OUTCOME_TEXT } from "~/shared/mcp-results";
import { McpProgressLine, McpResult } from "../agents/mcp-result";
import { EventSentence } from "../agents/event-sentence";

/** Long tool output is cut on the page (the full text is the team's, on the agent page). */
const MAX_SHOWN_CHARS = 4000;

function clip(text: string): string {
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}… (${text.length - MAX_SHOWN_CHARS} more characters)` : text;
}

/** Arguments arrive as the JSON text the model wrote; pretty-print it when it parses. */
function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Hidden({ what }: { what: string }) {
  return (
    <p className="text-xs text-zinc-500 italic dark:text-zinc-400" data-redacted>
      {what} hidden by this link&apos;s settings.
    </p>
  );
}

function Code({ children }: { children: string }) {
  return (
    <pre
      tabIndex={0}
      className="mt-1 max-h-80 overflow-auto rounded-md bg-zinc-100 p-2 font-mono text-xs break-words whitespace-pre-wrap text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
    >
      {clip(children)}
    </pre>
  );
}

const LABEL = "text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400";

/** One event of a shared history, as the link's redaction left it. */
export function SharedEventItem({ event, as: Tag = "li" }: { event: SharedEvent; as?: "li" | "div" }) {
  return (
    <Tag
      className={Tag === "li" ? "min-w-0 py-3 first:pt-0 last:pb-0" : "min-w-0 flex-1"}
      data-testid="shared-event"
      data-type={event.type}
    >
      <EventBody event={event} />
    </Tag>
  );
}

function EventBody({ event }: { event: SharedEvent }) {
  switch (event.type) {
    case "thought":
      return (
        <div className="space-y-1.5">
          <p className={LABEL}>Thought</p>
          {event.content ? <p className="text-sm break-words whitespace-pre-wrap">{clip(event.content)}</p> : null}
          {event.call ? (
            // The call itself (with its arguments, or their redaction) is the next event.
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              Plans to call <span className="font-mono font-medium">{event.call.name}</span>
            </p>
          ) : null}
          {event.recalled.length > 0 || event.pinnedCount > 0 ? (
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              Recalled {event.recalled.length} {event.recalled.length === 1 ? "memory" : "memories"}
              {event.recalled.length > 0 ? ` (${event.recalled.map((m) => `${m.kind} ${m.score.toFixed(2)}`).join(", ")})` : ""}
              {event.pinnedCount > 0 ? `; ${event.pinnedCount} pinned` : ""}
            </p>
          ) : null}
        </div>
      );
    case "tool_call":
      return (
        <div>
          <p className={LABEL}>
            Tool call · <span className="font-mono normal-case">{event.name}</span>
          </p>
          {event.arguments === REDACTED ? <Hidden what="Arguments" /> : <Code>{prettyArguments(event.arguments)}</Code>}
        </div>
      );
    case "tool_result": {
      const isOk = event.status === "succeeded" && !event.mcpResult?.isError;
      const isUnknown = event.status === UNKNOWN_OUTCOME_STATUS;
      return (
        <div>
          <p className={LABEL}>
            Result · <span className="font-mono normal-case">{event.name}</span>{" "}
            <span
              className={clsx(
                "ml-1 rounded px-1.5 py-0.5 text-[11px] normal-case",
                isOk
                  ? "bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
                  : isUnknown
                    ? "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300"
                    : "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300",
              )}
            >
              {isUnknown ? "outcome unknown" : event.status}
            </span>
          </p>
          {isUnknown ? <p className="mt-1 text-sm text-amber-800 dark:text-amber-300">{UNKNOWN_OUTCOME_TEXT}</p> : null}
          {event.result === REDACTED || event.error === REDACTED ? (
            <Hidden what="The result is" />
          ) : (
            <>
              {event.mcpResult ? (
                <div className="mt-1">
                  <McpResult result={event.mcpResult} />
                </div>
              ) : null}
              {event.result !== null && event.result !== undefined ? (
                <Code>{typeof event.result === "string" ? event.result : JSON.stringify(event.result, null, 2)}</Code>
              ) : null}
              {event.error ? <p className="mt-1 text-sm break-words text-red-700 dark:text-red-300">{clip(event.error)}</p> : null}
            </>
          )}
        </div>
      );
    }
    case "tool_progress":
      return event.message === REDACTED ? (
        <div>
          <p className={LABEL}>
            Progress · <span className="font-mono normal-case">{event.name}</span>
          </p>
          <Hidden what="The progress message is" />
        </div>
      ) : (
        <div className="space-y-1">
          <p className={LABEL}>Progress</p>
          <McpProgressLine
            progress={{
              kind: "tool_progress",
              name: event.name,
              progress: event.progress,
              total: event.total ?? undefined,
              message: event.message ?? undefined,
            }}
            updates={1}
          />
        </div>
      );
    default:
      // Approvals, budget, errors, status changes, summaries, triggers: in the timeline's own words.
      return (
        <EventSentence
          text={event.text}
          detail={
            event.text.detail === REDACTED ? (
              <Hidden what={event.type === "approval_decided" ? "The reviewer's comment is" : "The detail is"} />
            ) : event.text.detail ? (
              <p className="mt-1 break-words whitespace-pre-wrap text-zinc-700 dark:text-zinc-300">“{clip(event.text.detail)}”</p>
            ) : null
          }
        />
      );
  }
}
