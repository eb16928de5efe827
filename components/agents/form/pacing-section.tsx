import { Field, Select } from "../../ui/field";
import { SettingField } from "./setting-field";
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
        <SettingField
          form={form}
          name="cooldownSeconds"
          label="Cooldown between cycles (s)"
          hint="Pause between cycles: 0 (straight on) to 7 days, in seconds."
          inputMode="numeric"
        />
        <SettingField
          form={form}
          name="approvalTimeoutSeconds"
          label="Approval timeout (s)"
          hint="1 minute to 30 days."
          inputMode="numeric"
        />
        <Field id="agent-approvalTimeoutPolicy" label="When nobody answers" error={errorFor("approvalTimeoutPolicy")}>
          <Select {...text("approvalTimeoutPolicy")}>
            <option value="reject">Reject the action</option>
            <option value="approve">Approve the action</option>
            <option value="pause">Pause the agent</option>
            <option value="stop">Stop the agent</option>
          </Select>
        </Field>
        <SettingField
          form={form}
          name="stuckRepeatLimit"
          label="Stuck after repeating a call (times)"
          hint="The same tool with the same arguments this many times in a row: the agent asks you to continue or stop."
          inputMode="numeric"
        />
        <SettingField
          form={form}
          name="stuckNoProgressCycles"
          label="Stuck after cycles without news"
          hint="No new tool results and no change to its world state for this many cycles. Raise it for agents that mostly watch."
          inputMode="numeric"
        />
      </div>
      <div className="grid gap-5 sm:grid-cols-2">
        <SettingField
          form={form}
          name="scheduleCron"
          label="Schedule (cron)"
          hint="Optional: when to wake the agent, e.g. 0 9 * * 1-5 (9:00 on weekdays). Empty for none."
          placeholder="0 9 * * 1-5"
        />
        <SettingField
          form={form}
          name="scheduleTimezone"
          label="Schedule time zone"
          hint="e.g. UTC, Europe/Berlin."
          list="agent-timezone-suggestions"
        />
        <datalist id="agent-timezone-suggestions">
          {TIMEZONE_SUGGESTIONS.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
    </fieldset>
  );
}
