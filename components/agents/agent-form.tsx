"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { z } from "zod";
import {
  AGENT_LIMITS,
  agentSettingsSchema,
  defaultToolSettings,
  SIMULATOR_LABEL,
  SIMULATOR_PROVIDER,
  SUGGESTED_MODELS,
} from "~/server/agents/agent-input";
import { APPROVAL_POLICIES, TOOL_CATALOG } from "~/server/agents/tool-catalog";
import { Button } from "../ui/button";
import { Field, FormAlert, Input, Select, Textarea } from "../ui/field";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";

type FormState = {
  name: string;
  goal: string;
  instructions: string;
  model: string;
  budgetUsd: string;
  budgetTokens: string;
  budgetCycles: string;
  softLimitPercent: string;
  cooldownSeconds: string;
  stuckRepeatLimit: string;
  stuckNoProgressCycles: string;
  approvalTimeoutSeconds: string;
  approvalTimeoutPolicy: "reject" | "approve" | "pause" | "stop";
  tools: ReturnType<typeof defaultToolSettings>;
};

const INITIAL: FormState = {
  name: "",
  goal: "",
  instructions: "",
  model: "simulator-1",
  budgetUsd: "5",
  budgetTokens: "",
  budgetCycles: "",
  softLimitPercent: "80",
  cooldownSeconds: "60",
  stuckRepeatLimit: "3",
  stuckNoProgressCycles: "10",
  approvalTimeoutSeconds: "86400",
  approvalTimeoutPolicy: "reject",
  tools: defaultToolSettings(),
};

const POLICY_LABELS: Record<(typeof APPROVAL_POLICIES)[number], string> = {
  never: "Run without asking",
  always: "Ask every time",
  first_time: "Ask the first time",
};

export function AgentForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<FormState>(INITIAL);
  const [clientErrors, setClientErrors] = useState<Record<string, string[] | undefined>>({});
  const create = useMutation(
    trpc.agent.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
        router.push("/agents");
      },
    }),
  );
  const serverErrors = readFieldErrors(create.error);
  const errorFor = (field: string) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    // A corrected field stops showing its old message; the next submit checks everything again.
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };

  function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    create.reset();
    const parsed = agentSettingsSchema.safeParse({ ...form, provider: SIMULATOR_PROVIDER });
    if (!parsed.success) {
      setClientErrors(z.flattenError(parsed.error).fieldErrors);
      const first = document.querySelector<HTMLElement>("[aria-invalid='true']");
      first?.focus();
      return;
    }
    setClientErrors({});
    create.mutate(parsed.data);
  }

  const text = (key: keyof FormState, props: Record<string, unknown> = {}) => ({
    id: `agent-${key}`,
    name: key,
    value: form[key] as string,
    invalid: !!errorFor(key),
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => set(key, e.target.value as never),
    ...props,
  });

  const hasServerFormError = create.error && Object.keys(serverErrors).length === 0;

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-8" aria-label="Create an agent">
      {hasServerFormError ? <FormAlert>{create.error.message}</FormAlert> : null}
      {Object.keys(clientErrors).length > 0 || Object.keys(serverErrors).length > 0 ? (
        <FormAlert>Some fields need attention; see the messages below.</FormAlert>
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
        <Field
          id="agent-model"
          label="Model"
          error={errorFor("model")}
          hint={`Agents created here run on the built-in ${SIMULATOR_LABEL} (no key needed). Picking a team model provider here comes with the provider settings screen.`}
        >
          <Input list="agent-model-suggestions" {...text("model")} />
        </Field>
        <datalist id="agent-model-suggestions">
          {SUGGESTED_MODELS.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </fieldset>

      <fieldset className="space-y-5">
        <legend className="text-base font-semibold">Budget</legend>
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
      </fieldset>

      <fieldset>
        <legend className="text-base font-semibold">Tools</legend>
        {errorFor("tools") ? (
          <p role="alert" className="mt-1 text-sm text-red-600">
            {errorFor("tools")}
          </p>
        ) : null}
        <ul className="mt-3 divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800">
          {TOOL_CATALOG.map((tool, index) => {
            const setting = form.tools[index]!;
            return (
              <li key={tool.name} className="flex flex-wrap items-center gap-3 px-4 py-3">
                <input
                  id={`tool-${tool.name}`}
                  type="checkbox"
                  checked={setting.enabled}
                  onChange={(e) =>
                    set(
                      "tools",
                      form.tools.map((t, i) => (i === index ? { ...t, enabled: e.target.checked } : t)),
                    )
                  }
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
                    onChange={(e) =>
                      set(
                        "tools",
                        form.tools.map((t, i) => (i === index ? { ...t, approval: e.target.value as typeof t.approval } : t)),
                      )
                    }
                    className="rounded-md border-0 bg-white py-1 pr-8 pl-2 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-50 dark:bg-zinc-900 dark:ring-zinc-700"
                  >
                    {APPROVAL_POLICIES.map((p) => (
                      <option key={p} value={p}>
                        {POLICY_LABELS[p]}
                      </option>
                    ))}
                  </select>
                )}
              </li>
            );
          })}
        </ul>
      </fieldset>

      <div className="flex gap-3">
        <Button type="submit" isLoading={create.isPending}>
          Create agent
        </Button>
        <Button type="button" variant="secondary" onClick={() => router.push("/agents")}>
          Cancel
        </Button>
      </div>
      <p className="text-xs text-zinc-500">New agents are saved as idle. Starting them from the dashboard comes with the agent page.</p>
    </form>
  );
}
