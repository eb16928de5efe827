import { Field, Input, Select } from "../../ui/field";
import type { AgentFormApi } from "./use-agent-form";

const TIMEZONE_SUGGESTIONS = [
  "UTC",
  "Europe/London",
  "Europe/Berlin",
  "America/New_York",
  "America/Los_Angeles",
  "Asia/Tokyo",
  "Australia/Sydney",
];

/** How fast it goes and when it stops to ask: cooldown, approval timeout and its policy, stuck detection, schedule. */
export function PacingSection({ form }: { form: AgentFormApi }) {
  const { text, errorFor } = form;
  return (
    <fieldset className="space-y-5">
      <legend className="text-base font-semibold">Pacing and approvals</legend>
      <div className="grid gap-5 sm:grid-cols-3">
        <Field
          id="agent-cooldownSeconds"
          label="Cooldown between cycles (s)"
          error={errorFor("cooldownSeconds")}
          hint="Pause between cycles: 0 (straight on) to 7 days, in seconds."
        >
          <Input inputMode="numeric" {...text("cooldownSeconds")} />
        </Field>
        <Field
          id="agent-approvalTimeoutSeconds"
          label="Approval timeout (s)"
          error={errorFor("approvalTimeoutSeconds")}
          hint="1 minute to 30 days."
        >
          <Input inputMode="numeric" {...text("approvalTimeoutSeconds")} />
        </Field>
        <Field id="agent-approvalTimeoutPolicy" label="When nobody answers" error={errorFor("approvalTimeoutPolicy")}>
          <Select {...text("approvalTimeoutPolicy")}>
            <option value="reject">Reject the action</option>
            <option value="approve">Approve the action</option>
            <option value="pause">Pause the agent</option>
            <option value="stop">Stop the agent</option>
          </Select>
        </Field>
        <Field
          id="agent-stuckRepeatLimit"
          label="Stuck after repeating a call (times)"
          error={errorFor("stuckRepeatLimit")}
          hint="The same tool with the same arguments this many times in a row: the agent asks you to continue or stop."
        >
          <Input inputMode="numeric" {...text("stuckRepeatLimit")} />
        </Field>
        <Field
          id="agent-stuckNoProgressCycles"
          label="Stuck after cycles without news"
          error={errorFor("stuckNoProgressCycles")}
          hint="No new tool results and no change to its world state for this many cycles. Raise it for agents that mostly watch."
        >
          <Input inputMode="numeric" {...text("stuckNoProgressCycles")} />
        </Field>
      </div>
      <div className="grid gap-5 sm:grid-cols-2">
        <Field
          id="agent-scheduleCron"
          label="Schedule (cron)"
          error={errorFor("scheduleCron")}
          hint="Optional: when to wake the agent, e.g. 0 9 * * 1-5 (9:00 on weekdays). Empty for none."
        >
          <Input placeholder="0 9 * * 1-5" {...text("scheduleCron")} />
        </Field>
        <Field id="agent-scheduleTimezone" label="Schedule time zone" error={errorFor("scheduleTimezone")} hint="e.g. UTC, Europe/Berlin.">
          <Input list="agent-timezone-suggestions" {...text("scheduleTimezone")} />
        </Field>
        <datalist id="agent-timezone-suggestions">
          {TIMEZONE_SUGGESTIONS.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
    </fieldset>
  );
}
