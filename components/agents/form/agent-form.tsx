"use client";

import { AGENT_TEMPLATES } from "~/shared/agent-templates";
import { Alert } from "../../ui/alert";
import { Button } from "../../ui/button";
import { Field, Select } from "../../ui/field";
import { BudgetSection } from "./budget-section";
import { MemorySection } from "./memory-section";
import { PacingSection } from "./pacing-section";
import { PurposeSection } from "./purpose-section";
import { ToolsSection } from "./tools-section";
import { useAgentForm, type AgentFormApi, type AgentFormMode } from "./use-agent-form";

/** Creates an agent, or edits one (`mode.kind === "edit"`): the sections of its settings and the buttons. */
export function AgentForm({ mode = { kind: "create" } }: { mode?: AgentFormMode }) {
  const form = useAgentForm(mode);
  const { isEdit } = form;
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-8" aria-label={isEdit ? "Edit the agent" : "Create an agent"}>
      {form.formError ? <Alert variant="inline">{form.formError}</Alert> : null}
      {form.hasFieldErrors ? <Alert variant="inline">Some fields need attention; see the messages below.</Alert> : null}

      {!isEdit ? <TemplateField form={form} /> : null}
      <PurposeSection form={form} />
      <BudgetSection form={form} />
      <PacingSection form={form} />
      <ToolsSection form={form} />
      <MemorySection form={form} />

      <div className="flex gap-3">
        <Button type="submit" isLoading={form.isSaving}>
          {isEdit ? "Save changes" : "Create agent"}
        </Button>
        <Button type="button" variant="secondary" onClick={form.cancel}>
          Cancel
        </Button>
      </div>
      <p className="text-xs text-zinc-500">
        {isEdit
          ? "Changes apply from the agent's next cycle; a running agent keeps running."
          : "New agents are saved as idle; start them from their page."}
      </p>
    </form>
  );
}

/** A new agent may start from a template, which fills in every setting but the name. */
function TemplateField({ form }: { form: AgentFormApi }) {
  return (
    <Field
      id="agent-template"
      label="Start from a template"
      hint={
        AGENT_TEMPLATES.find((t) => t.id === form.template)?.description ?? "Optional: fills in the settings for a common kind of agent."
      }
    >
      <Select id="agent-template" value={form.template} onChange={(e) => form.applyTemplate(e.target.value)}>
        <option value="">Blank agent</option>
        {AGENT_TEMPLATES.map((t) => (
          <option key={t.id} value={t.id}>
            {t.label}
          </option>
        ))}
      </Select>
    </Field>
  );
}
