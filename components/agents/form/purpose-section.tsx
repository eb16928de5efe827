import Link from "next/link";
import { AGENT_LIMITS, SIMULATOR_LABEL, SIMULATOR_PROVIDER, SUGGESTED_MODELS } from "~/shared/agent-input";
import { isMissingPriceRefusal } from "~/shared/provider-kinds";
import { contextWindowOf, DEFAULT_CONTEXT_WINDOW, KNOWN_MODELS } from "~/shared/model-catalog";
import { Field, Select, Textarea } from "../../ui/field";
import { SettingField } from "./setting-field";
import type { AgentFormApi } from "./use-agent-form";

/** What the agent does: name, goal, instructions and the model that thinks for it. */
export function PurposeSection({ form }: { form: AgentFormApi }) {
  const { text, errorFor, values } = form;
  const listed = values.provider === SIMULATOR_PROVIDER ? [] : form.modelsOf(values.provider);
  const suggestions = listed.length > 0 ? listed : SUGGESTED_MODELS;
  const known = KNOWN_MODELS[values.model];
  const modelHint =
    listed.length > 0 ? `${listed.length} listed by the provider; or type any name.` : "Any model name the provider serves.";
  return (
    <fieldset className="space-y-5">
      <legend className="text-base font-semibold">What it does</legend>
      <SettingField form={form} name="name" label="Name" hint="Unique in this team." maxLength={AGENT_LIMITS.nameMax + 20} />
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
        <SettingField form={form} name="model" label="Model" hint={modelHint} list="agent-model-suggestions" />
        <SettingField form={form} name="temperature" label="Temperature" hint="0 (steady) to 2 (varied)." inputMode="decimal" />
      </div>
      {isMissingPriceRefusal(errorFor("model") ?? "") ? (
        <p className="-mt-2 text-sm" data-testid="model-price-link">
          <Link href="/team/providers" target="_blank" rel="noreferrer" className="font-semibold underline">
            Set the price on the Model providers page
          </Link>{" "}
          (a new tab, so this form keeps what you typed), then save again.
        </p>
      ) : null}
      <div className="grid gap-5 sm:grid-cols-2">
        <SettingField
          form={form}
          name="maxOutputTokens"
          label="Reply limit (tokens)"
          hint={known ? `Up to ${known.maxOutputTokens.toLocaleString("en-US")} for ${values.model}.` : "The most one reply may write."}
          inputMode="numeric"
        />
        <SettingField
          form={form}
          name="contextWindow"
          label="Context window (tokens)"
          hint={
            known
              ? `Empty: ${known.contextWindow.toLocaleString("en-US")}, known for ${values.model}.`
              : `Empty: ${DEFAULT_CONTEXT_WINDOW.toLocaleString("en-US")}. Set what your model serves.`
          }
          placeholder={String(contextWindowOf(values.model))}
          inputMode="numeric"
        />
      </div>
      <datalist id="agent-model-suggestions">
        {suggestions.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    </fieldset>
  );
}
