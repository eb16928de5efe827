"use client";

import { AGENT_TEMPLATES } from "~/shared/agent-templates";
import { Alert } from "../../ui/alert";
import { Button } from "../../ui/button";
import { Field, Select } from "../../ui/field";
import { BudgetSection } from "./budget-section";
import { ChannelsSection } from "./channels-section";
import { McpToolsSection } from "./mcp-tools-section";
import { MemorySection } from "./memory-section";
import { PacingSection } from "./pacing-section";
import { PurposeSection } from "./purpose-section";
import { ToolsSection } from "./tools-section";
import { missingPermissionReason } from "../../teams/use-permissions";
import { useAgentForm, type AgentFormApi, type AgentFormMode } from "./use-agent-form";

/** Creates an agent, or edits one (`mode.kind === "edit"`): the sections of its settings and the buttons. */
export function AgentForm({ mode = { kind: "create" } }: { mode?: AgentFormMode }) {
  const form = useAgentForm(mode);
  const { isEdit, isReadOnly } = form;
  if (isReadOnly && form.role) {
    return (
      <div className="space-y-4" data-testid="agent-form-read-only">
        <p className="rounded-md bg-zinc-100 px-3 py-2 text-sm text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
          {missingPermissionReason(form.role, isEdit ? "agent:edit" : "agent:create", isEdit ? "edit agents" : "create agents")}{" "}
          {isEdit ? "The agent's page shows its settings at work: its budget, memory, state and history." : null}
        </p>
        <Button type="button" variant="secondary" onClick={form.cancel}>
          Back
        </Button>
      </div>
    );
  }
  return (
    <form onSubmit={form.onSubmit} noValidate className="space-y-8" aria-label={isEdit ? "Edit the agent" : "Create an agent"}>
      {form.formError ? <Alert variant="inline">{form.formError}</Alert> : null}
      {form.hasFieldErrors ? <Alert variant="inline">Some fields need attention; see the messages below.</Alert> : null}

      <fieldset className="min-w-0 space-y-8">
        {!isEdit ? <TemplateField form={form} /> : null}
        <PurposeSection form={form} />
        <BudgetSection form={form} />
        <PacingSection form={form} />
        <ToolsSection form={form} />
        <McpToolsSection form={form} />
        <ChannelsSection form={form} />
        <MemorySection form={form} />
      </fieldset>

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
