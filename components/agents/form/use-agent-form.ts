"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { toast } from "sonner";
import { agentSettingsSchema, SIMULATOR_PROVIDER, type AgentSettingsInput } from "~/shared/agent-input";
import { AGENT_TEMPLATES } from "~/shared/agent-templates";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../../trpc/errors";
import { useTRPC } from "../../trpc/react";
import { usePermissions } from "../../teams/use-permissions";
import { formStateOf, toInput, type FormState, type McpToolState, type ToolState } from "./form-state";

export type AgentFormMode =
  | { kind: "create" }
  | {
      kind: "edit";
      agentId: string;
      version: number;
      initial: Partial<AgentSettingsInput>;
      used: { spentUsd: string; tokensUsed: string; cycleCount: number };
    };

type MemoryKey = "similarity" | "recency" | "frequency" | "importance" | "halfLifeHours" | "cap";

/**
 * The agent form's state and rules: the values as typed, the template, client-side validation with the
 * same schema the server uses, the server's field errors, and saving (create or edit). The sections
 * only render what this returns.
 */
export function useAgentForm(mode: AgentFormMode) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const isEdit = mode.kind === "edit";
  const [values, setValues] = useState<FormState>(() => formStateOf(isEdit ? mode.initial : {}));
  const [template, setTemplate] = useState("");
  const [isMemoryOpen, setMemoryOpen] = useState(false);
  const [clientErrors, setClientErrors] = useState<Record<string, string[] | undefined>>({});
  const providers = useQuery(trpc.provider.list.queryOptions());
  const permissions = usePermissions();
  const { role } = permissions;
  // Someone who may not save it gets an explanation instead of the form (agent-form.tsx).
  const isReadOnly = role !== null && !permissions.can(isEdit ? "agent:edit" : "agent:create");

  const create = useMutation(
    trpc.agent.create.mutationOptions({
      onSuccess: async (agent) => {
        await queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
        toast.success(`Created “${agent.name}”. Start it when you are ready.`);
        router.push(`/agents/${agent.id}`);
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
    setValues((f) => ({ ...f, [key]: value }));
    // A corrected field stops showing its old message; the next submit checks everything again.
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };
  const setTool = (index: number, change: Partial<ToolState>) =>
    set(
      "tools",
      values.tools.map((t, i) => (i === index ? { ...t, ...change } : t)),
    );

  /**
   * Sets MCP tools (each by its exposed name): a change is merged into the tool's setting, made from
   * `base` (its default) when it had none; `null` removes the setting (a tool no server offers any more).
   */
  const setMcpTools = (changes: { name: string; base: McpToolState; change: Partial<McpToolState> | null }[]) => {
    setValues((f) => {
      let mcpTools = f.mcpTools;
      for (const { name, base, change } of changes) {
        const current = mcpTools.find((t) => t.name === name);
        if (change === null) mcpTools = mcpTools.filter((t) => t.name !== name);
        else if (current) mcpTools = mcpTools.map((t) => (t.name === name ? { ...t, ...change } : t));
        else mcpTools = [...mcpTools, { ...base, ...change, name }];
      }
      return { ...f, mcpTools };
    });
    setClientErrors(({ tools: _edited, ...rest }) => rest);
  };

  function applyTemplate(id: string) {
    setTemplate(id);
    const chosen = AGENT_TEMPLATES.find((t) => t.id === id);
    if (!chosen) return;
    // Templates know nothing of the team's MCP servers: the MCP tools chosen so far stay.
    setValues((f) => ({ ...formStateOf(chosen.settings), name: f.name, mcpTools: f.mcpTools }));
    setClientErrors({});
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (isReadOnly) return;
    mutation.reset();
    const parsed = agentSettingsSchema.safeParse(toInput(values));
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

  /** Props of a plain text input, select or textarea bound to `key` (id `agent-<key>`, its error beside it). */
  const text = (key: keyof FormState, props: Record<string, unknown> = {}) => ({
    id: `agent-${key}`,
    name: key,
    value: values[key] as string,
    invalid: !!errorFor(key),
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => set(key, e.target.value as never),
    ...props,
  });
  /** Memory inputs: state key `key`, errors at the schema's nested path. */
  const memoryText = (key: MemoryKey, path: string) => ({
    id: `agent-memory-${key}`,
    name: path,
    value: values[key],
    invalid: !!errorFor(path),
    inputMode: "decimal" as const,
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      set(key, e.target.value);
      setClientErrors(({ [path]: _a, memory: _b, ...rest }) => rest);
    },
  });

  /**
   * Choosing the simulator picks its model; leaving it replaces the simulator's model with a real one:
   * the first chat model the provider listed at its last connection test, else gpt-4o-mini.
   */
  function setProvider(provider: string) {
    set("provider", provider);
    if (provider === SIMULATOR_PROVIDER) set("model", "simulator-1");
    else if (values.model === "simulator-1") set("model", modelsOf(provider).find((m) => !/embed/i.test(m)) ?? "gpt-4o-mini");
  }

  /** The models a provider listed at its last connection test (none before a test). */
  function modelsOf(provider: string): string[] {
    return providers.data?.find((p) => p.id === provider)?.lastTest?.models ?? [];
  }

  function setAllowedHosts(index: number, hostsText: string) {
    setTool(index, { hostsText });
    setClientErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith("tools"))));
  }

  /** The delegate tool's numbers as typed; the errors about tools go until the next check. */
  function setDelegateSetting(index: number, change: Pick<Partial<ToolState>, "maxChildrenText" | "timeoutText">) {
    setTool(index, change);
    setClientErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith("tools"))));
  }

  return {
    mode,
    isEdit,
    values,
    set,
    setTool,
    setMcpTools,
    setProvider,
    modelsOf,
    setAllowedHosts,
    setDelegateSetting,
    text,
    memoryText,
    template,
    applyTemplate,
    isMemoryOpen,
    setMemoryOpen,
    providers: providers.data ?? [],
    role,
    isReadOnly,
    errorFor,
    errorUnder,
    /** A message from the server that belongs to no field. */
    formError: mutation.error && Object.keys(serverErrors).length === 0 ? mutation.error.message : null,
    hasFieldErrors: Object.keys(clientErrors).length > 0 || Object.keys(serverErrors).length > 0,
    memoryWeightsError: errorFor("memory.weights") ?? (errorFor("memory") && !errorUnder("memory.") ? errorFor("memory") : null),
    isSaving: mutation.isPending,
    onSubmit,
    cancel: () => router.push(mode.kind === "edit" ? `/agents/${mode.agentId}` : "/agents"),
  };
}

export type AgentFormApi = ReturnType<typeof useAgentForm>;
