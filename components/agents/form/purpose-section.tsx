import { AGENT_LIMITS, SIMULATOR_LABEL, SIMULATOR_PROVIDER, SUGGESTED_MODELS } from "~/shared/agent-input";
import { Field, Input, Select, Textarea } from "../../ui/field";
import type { AgentFormApi } from "./use-agent-form";

/** What the agent does: name, goal, instructions and the model that thinks for it. */
export function PurposeSection({ form }: { form: AgentFormApi }) {
  const { text, errorFor, values } = form;
  return (
    <fieldset className="space-y-5">
      <legend className="text-base font-semibold">What it does</legend>
      <Field id="agent-name" label="Name" error={errorFor("name")} hint="Unique in this team.">
        <Input {...text("name", { maxLength: AGENT_LIMITS.nameMax + 20 })} />
      </Field>
      <Field id="agent-goal" label="Goal" error={errorFor("goal")} hint="What should be true when the agent is done?">
        <Textarea rows={3} {...text("goal")} />
      </Field>
      <Field
        id="agent-instructions"
        label="Instructions"
        error={errorFor("instructions")}
        hint="Optional: how it should work, what to avoid."
      >
        <Textarea rows={4} {...text("instructions")} />
      </Field>
      <div className="grid gap-5 sm:grid-cols-3">
        <Field
          id="agent-provider"
          label="Model provider"
          error={errorFor("provider")}
          hint={
            values.provider === SIMULATOR_PROVIDER
              ? `${SIMULATOR_LABEL}: no key needed.`
              : "The team's endpoint and key (Team → Model providers)."
          }
        >
          <Select {...text("provider")} onChange={(e) => form.setProvider(e.target.value)}>
            <option value={SIMULATOR_PROVIDER}>{SIMULATOR_LABEL}</option>
            {form.providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.baseUrl ? ` (${p.baseUrl})` : ""}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="agent-model" label="Model" error={errorFor("model")} hint="Any model name the provider serves.">
          <Input list="agent-model-suggestions" {...text("model")} />
        </Field>
        <Field id="agent-temperature" label="Temperature" error={errorFor("temperature")} hint="0 (steady) to 2 (varied).">
          <Input inputMode="decimal" {...text("temperature")} />
        </Field>
      </div>
      <datalist id="agent-model-suggestions">
        {SUGGESTED_MODELS.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    </fieldset>
  );
}
