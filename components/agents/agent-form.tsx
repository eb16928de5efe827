"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import {
  AGENT_LIMITS,
  agentSettingsSchema,
  defaultToolSettings,
  SIMULATOR_LABEL,
  SIMULATOR_PROVIDER,
  SUGGESTED_MODELS,
  type AgentSettingsInput,
} from "~/shared/agent-input";
import { AGENT_TEMPLATES } from "~/shared/agent-templates";
import { APPROVAL_POLICIES, TOOL_CATALOG } from "~/shared/tool-catalog";
import { DEFAULT_MEMORY_SETTINGS } from "~/shared/memory-settings";
import { zodFieldErrors } from "~/shared/validation";
import { Button } from "../ui/button";
import { Field, FormAlert, Input, Select, Textarea } from "../ui/field";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";

type ToolState = ReturnType<typeof defaultToolSettings>[number] & { hostsText: string };

/** Every input as typed (strings), so a half-typed number is kept and explained, never coerced away. */
type FormState = {
  name: string;
  goal: string;
  instructions: string;
  provider: string;
  model: string;
  temperature: string;
  budgetUsd: string;
  budgetTokens: string;
  budgetCycles: string;
  softLimitPercent: string;
  cooldownSeconds: string;
  stuckRepeatLimit: string;
  stuckNoProgressCycles: string;
  approvalTimeoutSeconds: string;
  approvalTimeoutPolicy: "reject" | "approve" | "pause" | "stop";
  scheduleCron: string;
  scheduleTimezone: string;
  similarity: string;
  recency: string;
  frequency: string;
  importance: string;
  halfLifeHours: string;
  cap: string;
  onConsolidate: "archive" | "delete";
  tools: ToolState[];
};

const str = (value: unknown, fallback = "") =>
  typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? String(value) : fallback;

/** The form's state for a set of settings (a template, an agent being edited, or the defaults). */
export function formStateOf(settings: Partial<AgentSettingsInput> & { name?: string }): FormState {
  const memory = settings.memory ?? {};
  const weights = { ...DEFAULT_MEMORY_SETTINGS.weights, ...(memory.weights ?? {}) };
  const savedTools = settings.tools ?? defaultToolSettings();
  return {
    name: str(settings.name),
    goal: str(settings.goal),
    instructions: str(settings.instructions),
    provider: str(settings.provider, SIMULATOR_PROVIDER),
    model: str(settings.model, "simulator-1"),
    temperature: str(settings.temperature, "0.2"),
    budgetUsd: str(settings.budgetUsd, "5"),
    budgetTokens: str(settings.budgetTokens),
    budgetCycles: str(settings.budgetCycles),
    softLimitPercent: str(settings.softLimitPercent, "80"),
    cooldownSeconds: str(settings.cooldownSeconds, "60"),
    stuckRepeatLimit: str(settings.stuckRepeatLimit, "3"),
    stuckNoProgressCycles: str(settings.stuckNoProgressCycles, "10"),
    approvalTimeoutSeconds: str(settings.approvalTimeoutSeconds, "86400"),
    approvalTimeoutPolicy: settings.approvalTimeoutPolicy ?? "reject",
    scheduleCron: str(settings.scheduleCron),
    scheduleTimezone: str(settings.scheduleTimezone, "UTC"),
    similarity: str(weights.similarity),
    recency: str(weights.recency),
    frequency: str(weights.frequency),
    importance: str(weights.importance),
    halfLifeHours: str(memory.halfLifeHours, String(DEFAULT_MEMORY_SETTINGS.halfLifeHours)),
    cap: str(memory.cap, String(DEFAULT_MEMORY_SETTINGS.cap)),
    onConsolidate: memory.onConsolidate ?? DEFAULT_MEMORY_SETTINGS.onConsolidate,
    tools: TOOL_CATALOG.map((tool) => {
      const saved = savedTools.find((t) => t.name === tool.name) ?? { name: tool.name, enabled: false, approval: tool.defaultApproval };
      return { ...saved, hostsText: (saved.allowedHosts ?? []).join(", ") };
    }),
  };
}

/** What the schema validates: numbers still as typed (zod coerces and explains), nested where the schema nests. */
function toInput(form: FormState): AgentSettingsInput {
  return {
    name: form.name,
    goal: form.goal,
    instructions: form.instructions,
    provider: form.provider,
    model: form.model,
    temperature: form.temperature,
    budgetUsd: form.budgetUsd,
    budgetTokens: form.budgetTokens,
    budgetCycles: form.budgetCycles,
    softLimitPercent: form.softLimitPercent,
    cooldownSeconds: form.cooldownSeconds,
    stuckRepeatLimit: form.stuckRepeatLimit,
    stuckNoProgressCycles: form.stuckNoProgressCycles,
    approvalTimeoutSeconds: form.approvalTimeoutSeconds,
    approvalTimeoutPolicy: form.approvalTimeoutPolicy,
    scheduleCron: form.scheduleCron,
    scheduleTimezone: form.scheduleTimezone,
    memory: {
      weights: {
        similarity: form.similarity,
        recency: form.recency,
        frequency: form.frequency,
        importance: form.importance,
      },
      halfLifeHours: form.halfLifeHours,
      cap: form.cap,
      onConsolidate: form.onConsolidate,
    },
    tools: form.tools.map(({ hostsText, ...tool }) =>
      tool.name === "http_get"
        ? {
            ...tool,
            allowedHosts: hostsText
              .split(/[\s,]+/)
              .map((h) => h.trim())
              .filter(Boolean),
          }
        : { name: tool.name, enabled: tool.enabled, approval: tool.approval },
    ),
  };
}

const POLICY_LABELS: Record<(typeof APPROVAL_POLICIES)[number], string> = {
  never: "Run without asking",
  always: "Ask every time",
  first_time: "Ask the first time",
};

type Mode =
  | { kind: "create" }
  | {
      kind: "edit";
      agentId: string;
      version: number;
      initial: Partial<AgentSettingsInput>;
      used: { spentUsd: string; tokensUsed: string; cycleCount: number };
    };

export function AgentForm({ mode = { kind: "create" } }: { mode?: Mode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const isEdit = mode.kind === "edit";
  const [form, setForm] = useState<FormState>(() => formStateOf(isEdit ? mode.initial : {}));
  const [template, setTemplate] = useState("");
  const [memoryOpen, setMemoryOpen] = useState(false);
  const [clientErrors, setClientErrors] = useState<Record<string, string[] | undefined>>({});
  const providers = useQuery(trpc.provider.list.queryOptions());

  const create = useMutation(
    trpc.agent.create.mutationOptions({
      onSuccess: async (agent) => {
        await queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
        toast.success(`Created “${agent.name}”. Start it from its page when you are ready.`);
        router.push("/agents");
      },
    }),
  );
  const update = useMutation(
    trpc.agent.update.mutationOptions({
      onSuccess: async ({ agent, changed }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.agent.pathKey() });
        toast.success(
          changed.length === 0
            ? "Nothing changed."
            : `Saved ${changed.length} setting${changed.length === 1 ? "" : "s"}; they apply from the next cycle.`,
        );
        router.push(`/agents/${agent.id}`);
      },
    }),
  );
  const mutation = isEdit ? update : create;
  const serverErrors = readFieldErrors(mutation.error);
  const errorFor = (field: string) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const errorUnder = (prefix: string) => {
    const key = [...Object.keys(clientErrors), ...Object.keys(serverErrors)].find((k) => k.startsWith(prefix));
    return key ? errorFor(key) : null;
  };
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    // A corrected field stops showing its old message; the next submit checks everything again.
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };
  const setTool = (index: number, change: Partial<ToolState>) =>
    set(
      "tools",
      form.tools.map((t, i) => (i === index ? { ...t, ...change } : t)),
    );

  function applyTemplate(id: string) {
    setTemplate(id);
    const chosen = AGENT_TEMPLATES.find((t) => t.id === id);
    if (!chosen) return;
    setForm((f) => ({ ...formStateOf(chosen.settings), name: f.name }));
    setClientErrors({});
  }

  function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    mutation.reset();
    const parsed = agentSettingsSchema.safeParse(toInput(form));
    if (!parsed.success) {
      const { fieldErrors } = zodFieldErrors(parsed.error);
      setClientErrors(fieldErrors);
      // Memory settings fold away; a message inside them must be seen.
      if (Object.keys(fieldErrors).some((k) => k.startsWith("memory"))) setMemoryOpen(true);
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
      return;
    }
    setClientErrors({});
    if (mode.kind === "edit") update.mutate({ ...parsed.data, id: mode.agentId, version: mode.version });
    else create.mutate(parsed.data);
  }

  const text = (key: keyof FormState, props: Record<string, unknown> = {}) => ({
    id: `agent-${key}`,
    name: key,
    value: form[key] as string,
    invalid: !!errorFor(key),
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => set(key, e.target.value as never),
    ...props,
  });
  /** Memory inputs: state key `key`, errors at the schema's nested path. */
  const memoryText = (key: "similarity" | "recency" | "frequency" | "importance" | "halfLifeHours" | "cap", path: string) => ({
    id: `agent-memory-${key}`,
    name: path,
    value: form[key],
    invalid: !!errorFor(path),
    inputMode: "decimal" as const,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
      set(key, e.target.value);
      setClientErrors(({ [path]: _a, memory: _b, ...rest }) => rest);
    },
  });

  const hasServerFormError = mutation.error && Object.keys(serverErrors).length === 0;
  const providerOptions = providers.data ?? [];
  const memoryWeightsError = errorFor("memory.weights") ?? (errorFor("memory") && !errorUnder("memory.") ? errorFor("memory") : null);

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-8" aria-label={isEdit ? "Edit the agent" : "Create an agent"}>
      {hasServerFormError ? <FormAlert>{mutation.error.message}</FormAlert> : null}
      {Object.keys(clientErrors).length > 0 || Object.keys(serverErrors).length > 0 ? (
        <FormAlert>Some fields need attention; see the messages below.</FormAlert>
      ) : null}

      {!isEdit ? (
        <Field
          id="agent-template"
          label="Start from a template"
          hint={
            AGENT_TEMPLATES.find((t) => t.id === template)?.description ?? "Optional: fills in the settings for a common kind of agent."
          }
        >
          <Select id="agent-template" value={template} onChange={(e) => applyTemplate(e.target.value)}>
            <option value="">Blank agent</option>
            {AGENT_TEMPLATES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </Select>
        </Field>
      ) : null}

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
              form.provider === SIMULATOR_PROVIDER
                ? `${SIMULATOR_LABEL}: no key needed.`
                : "The team's endpoint and key (Settings → providers)."
            }
          >
            <Select
              {...text("provider")}
              onChange={(e) => {
                const provider = e.target.value;
                set("provider", provider);
                if (provider === SIMULATOR_PROVIDER) set("model", "simulator-1");
                else if (form.model === "simulator-1") set("model", "gpt-4o-mini");
              }}
            >
              <option value={SIMULATOR_PROVIDER}>{SIMULATOR_LABEL}</option>
              {providerOptions.map((p) => (
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

      <fieldset className="space-y-5">
        <legend className="text-base font-semibold">Budget</legend>
        {isEdit ? (
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
          <Field
            id="agent-scheduleTimezone"
            label="Schedule time zone"
            error={errorFor("scheduleTimezone")}
            hint="e.g. UTC, Europe/Berlin."
          >
            <Input list="agent-timezone-suggestions" {...text("scheduleTimezone")} />
          </Field>
          <datalist id="agent-timezone-suggestions">
            {["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"].map(
              (z) => (
                <option key={z} value={z} />
              ),
            )}
          </datalist>
        </div>
      </fieldset>

      <fieldset>
        <legend className="text-base font-semibold">Tools</legend>
        {errorFor("tools") && !errorUnder("tools.") ? (
          <p role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
            {errorFor("tools")}
          </p>
        ) : null}
        <ul className="mt-3 divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800">
          {TOOL_CATALOG.map((tool, index) => {
            const setting = form.tools[index]!;
            const hostsError = errorUnder(`tools.${index}.allowedHosts`);
            return (
              <li key={tool.name} className="flex flex-wrap items-center gap-3 px-4 py-3">
                <input
                  id={`tool-${tool.name}`}
                  type="checkbox"
                  checked={setting.enabled}
                  onChange={(e) => setTool(index, { enabled: e.target.checked })}
                  className="accent-brand-600 size-4"
                />
                <label htmlFor={`tool-${tool.name}`} className="min-w-48 flex-1 text-sm">
                  <span className="font-medium">{tool.label}</span>
                  <span className="block text-xs text-zinc-500">{tool.description}</span>
                </label>
                {tool.name === "ask_human" ? (
                  <span className="text-xs text-zinc-500">Always waits for an answer</span>
                ) : (
                  <select
                    aria-label={`Approval for ${tool.label}`}
                    value={setting.approval}
                    disabled={!setting.enabled}
                    onChange={(e) => setTool(index, { approval: e.target.value as ToolState["approval"] })}
                    className="rounded-md border-0 bg-white py-1 pr-8 pl-2 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-50 dark:bg-zinc-900 dark:ring-zinc-700"
                  >
                    {APPROVAL_POLICIES.map((p) => (
                      <option key={p} value={p}>
                        {POLICY_LABELS[p]}
                      </option>
                    ))}
                  </select>
                )}
                {tool.name === "http_get" && setting.enabled ? (
                  <div className="w-full">
                    <Field
                      id="agent-allowedHosts"
                      label="Hosts it may fetch from"
                      error={hostsError}
                      hint="Comma-separated, e.g. api.example.com, *.example.org. Nothing else can be reached, and private or loopback addresses only where this instance's operator allows them."
                    >
                      <Input
                        id="agent-allowedHosts"
                        value={setting.hostsText}
                        invalid={!!hostsError}
                        onChange={(e) => {
                          setTool(index, { hostsText: e.target.value });
                          setClientErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith("tools"))));
                        }}
                      />
                    </Field>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      </fieldset>

      <details
        className="rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800"
        open={memoryOpen}
        onToggle={(e) => setMemoryOpen(e.currentTarget.open)}
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
            <Field id="agent-memory-similarity" label="Similarity weight" error={errorFor("memory.weights.similarity")}>
              <Input {...memoryText("similarity", "memory.weights.similarity")} />
            </Field>
            <Field id="agent-memory-recency" label="Recency weight" error={errorFor("memory.weights.recency")}>
              <Input {...memoryText("recency", "memory.weights.recency")} />
            </Field>
            <Field id="agent-memory-frequency" label="Frequency weight" error={errorFor("memory.weights.frequency")}>
              <Input {...memoryText("frequency", "memory.weights.frequency")} />
            </Field>
            <Field id="agent-memory-importance" label="Importance weight" error={errorFor("memory.weights.importance")}>
              <Input {...memoryText("importance", "memory.weights.importance")} />
            </Field>
          </div>
          <div className="grid gap-5 sm:grid-cols-3">
            <Field id="agent-memory-halfLifeHours" label="Recency half-life (hours)" error={errorFor("memory.halfLifeHours")}>
              <Input {...memoryText("halfLifeHours", "memory.halfLifeHours")} />
            </Field>
            <Field id="agent-memory-cap" label="Memories kept" error={errorFor("memory.cap")} hint="100 to 1,000,000.">
              <Input {...memoryText("cap", "memory.cap")} />
            </Field>
            <Field id="agent-memory-onConsolidate" label="Consolidated episodes are">
              <Select
                id="agent-memory-onConsolidate"
                value={form.onConsolidate}
                onChange={(e) => set("onConsolidate", e.target.value as FormState["onConsolidate"])}
              >
                <option value="archive">Archived (kept, not recalled)</option>
                <option value="delete">Deleted</option>
              </Select>
            </Field>
          </div>
        </fieldset>
      </details>

      <div className="flex gap-3">
        <Button type="submit" isLoading={mutation.isPending}>
          {isEdit ? "Save changes" : "Create agent"}
        </Button>
        <Button type="button" variant="secondary" onClick={() => router.push(isEdit ? `/agents/${mode.agentId}` : "/agents")}>
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
