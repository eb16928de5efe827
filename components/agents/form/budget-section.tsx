import { Field, Input } from "../../ui/field";
import type { AgentFormApi } from "./use-agent-form";

/** The limits: money (with the soft limit that asks a person), tokens and cycles; when editing, what is used already. */
export function BudgetSection({ form }: { form: AgentFormApi }) {
  const { text, errorFor, mode } = form;
  return (
    <fieldset className="space-y-5">
      <legend className="text-base font-semibold">Budget</legend>
      {mode.kind === "edit" ? (
        <p className="text-sm text-zinc-500">
          Used so far: ${Number(mode.used.spentUsd).toFixed(2)}, {Number(mode.used.tokensUsed).toLocaleString("en-US")} tokens,{" "}
          {mode.used.cycleCount} cycles. Limits can&apos;t go below these.
        </p>
      ) : null}
      <div className="grid gap-5 sm:grid-cols-2">
        <Field
          id="agent-budgetUsd"
          label="Money limit (USD)"
          error={errorFor("budgetUsd")}
          hint="The agent never starts a call that could cross it."
        >
          <Input inputMode="decimal" {...text("budgetUsd")} />
        </Field>
        <Field
          id="agent-softLimitPercent"
          label="Ask me at (% of budget)"
          error={errorFor("softLimitPercent")}
          hint="Past this share of the money or token budget the agent holds and asks a person to raise the budget or stop it."
        >
          <Input inputMode="numeric" {...text("softLimitPercent")} />
        </Field>
        <Field id="agent-budgetTokens" label="Token limit" error={errorFor("budgetTokens")} hint="Optional.">
          <Input inputMode="numeric" {...text("budgetTokens")} />
        </Field>
        <Field id="agent-budgetCycles" label="Cycle limit" error={errorFor("budgetCycles")} hint="Optional.">
          <Input inputMode="numeric" {...text("budgetCycles")} />
        </Field>
      </div>
    </fieldset>
  );
}
