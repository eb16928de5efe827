import { formatUsd } from "../../ui/format";
import { SettingField } from "./setting-field";
import type { AgentFormApi } from "./use-agent-form";

/** The limits: money (with the soft limit that asks a person), tokens and cycles; when editing, what is used already. */
export function BudgetSection({ form }: { form: AgentFormApi }) {
  const { mode } = form;
  return (
    <fieldset className="space-y-5">
      <legend className="text-base font-semibold">Budget</legend>
      {mode.kind === "edit" ? (
        <p className="text-sm text-zinc-500">
          Used so far: {formatUsd(mode.used.spentUsd)}, {Number(mode.used.tokensUsed).toLocaleString("en-US")} tokens,{" "}
          {mode.used.cycleCount} cycles. Limits can&apos;t go below these.
        </p>
      ) : null}
      <div className="grid gap-5 sm:grid-cols-2">
        <SettingField
          form={form}
          name="budgetUsd"
          label="Money limit (USD)"
          hint="The agent never starts a call that could cross it."
          inputMode="decimal"
        />
        <SettingField
          form={form}
          name="softLimitPercent"
          label="Ask me at (% of budget)"
          hint="Past this share of the money or token budget the agent holds and asks a person to raise the budget or stop it."
          inputMode="numeric"
        />
        <SettingField form={form} name="budgetTokens" label="Token limit" hint="Optional." inputMode="numeric" />
        <SettingField form={form} name="budgetCycles" label="Cycle limit" hint="Optional." inputMode="numeric" />
      </div>
    </fieldset>
  );
}
