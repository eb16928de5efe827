import { Field, Select } from "../../ui/field";
import { MemorySettingField } from "./setting-field";
import type { FormState } from "./form-state";
import type { AgentFormApi } from "./use-agent-form";

/** Recall weights, the recency half-life and the memory cap, folded away until needed. */
export function MemorySection({ form }: { form: AgentFormApi }) {
  const { memoryWeightsError, values, set } = form;
  return (
    <details
      className="rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800"
      open={form.isMemoryOpen}
      onToggle={(e) => form.setMemoryOpen(e.currentTarget.open)}
    >
      <summary className="cursor-pointer px-4 py-3 text-base font-semibold">Memory and recall</summary>
      <fieldset className="space-y-5 px-4 pb-4">
        <legend className="sr-only">Memory and recall</legend>
        <p className="text-sm text-zinc-500">
          Before each decision the agent recalls memories ranked by these weights. Recency halves every half-life; past the cap, old
          low-scoring episodes are folded into summaries.
        </p>
        {memoryWeightsError ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400" data-field-error="agent-memory-weights">
            {memoryWeightsError}
          </p>
        ) : null}
        <div className="grid gap-5 sm:grid-cols-4">
          <MemorySettingField form={form} name="similarity" path="memory.weights.similarity" label="Similarity weight" />
          <MemorySettingField form={form} name="recency" path="memory.weights.recency" label="Recency weight" />
          <MemorySettingField form={form} name="frequency" path="memory.weights.frequency" label="Frequency weight" />
          <MemorySettingField form={form} name="importance" path="memory.weights.importance" label="Importance weight" />
        </div>
        <div className="grid gap-5 sm:grid-cols-3">
          <MemorySettingField form={form} name="halfLifeHours" path="memory.halfLifeHours" label="Recency half-life (hours)" />
          <MemorySettingField form={form} name="cap" path="memory.cap" label="Memories kept" hint="100 to 1,000,000." />
          <Field id="agent-memory-onConsolidate" label="Consolidated episodes are">
            <Select
              id="agent-memory-onConsolidate"
              value={values.onConsolidate}
              onChange={(e) => set("onConsolidate", e.target.value as FormState["onConsolidate"])}
            >
              <option value="archive">Archived (kept, not recalled)</option>
              <option value="delete">Deleted</option>
            </Select>
          </Field>
        </div>
      </fieldset>
    </details>
  );
}
