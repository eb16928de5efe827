"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { SIMULATOR_LABEL, SIMULATOR_PROVIDER } from "~/shared/agent-input";
import { parseWorldStateText } from "~/shared/fork-input";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { GatedButton } from "../teams/permission-gate";
import { Field, Input, Select, Textarea } from "../ui/field";
import { Skeleton } from "../ui/skeleton";

/**
 * Time travel: a new agent from the end of any cycle, optionally with the world state edited (checked
 * as JSON while typing, with the line and column of a mistake), other instructions or another model.
 * The original agent is not changed (server/forks/fork.ts).
 */
export function ForkForm({ agentId, cycle, onCancel }: { agentId: string; cycle: number; onCancel: () => void }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.agent.forkPreview.queryOptions({ id: agentId, cycle }));
  if (preview.isPending) return <Skeleton className="h-40 rounded-lg" label={`Loading the state at cycle ${cycle}`} />;
  if (preview.isError)
    return (
      <p role="alert" className="text-sm text-red-700 dark:text-red-300">
        {preview.error.message}
      </p>
    );
  return <ForkFields key={cycle} agentId={agentId} cycle={cycle} preview={preview.data} onCancel={onCancel} />;
}

type Preview = {
  worldState: unknown;
  summary: string;
  fromCheckpointCycle: number | null;
  agent: { instructions: string; provider: string; model: string };
};

function ForkFields({ agentId, cycle, preview, onCancel }: { agentId: string; cycle: number; preview: Preview; onCancel: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const original = JSON.stringify(preview.worldState ?? {}, null, 2);
  const [name, setName] = useState("");
  const [stateText, setStateText] = useState(original);
  const [instructions, setInstructions] = useState(preview.agent.instructions);
  const [provider, setProvider] = useState(preview.agent.provider);
  const [model, setModel] = useState(preview.agent.model);
  const providers = useQuery(trpc.provider.list.queryOptions());
  const parsed = parseWorldStateText(stateText);
  const fork = useMutation(
    trpc.agent.fork.mutationOptions({
      onSuccess: async ({ agent, memoriesCopied }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.agent.list.pathKey() });
        // The parent now lists this fork.
        await queryClient.invalidateQueries({ queryKey: trpc.agent.lineage.pathKey() });
        toast.success(`Forked “${agent.name}” from cycle ${cycle} with ${memoriesCopied} memories. It is idle until you start it.`);
        router.push(`/agents/${agent.id}`);
      },
    }),
  );
  const errors = readFieldErrors(fork.error);
  const isModelChanged = provider !== preview.agent.provider || model !== preview.agent.model;
  const id = (field: string) => `fork-${field}-${cycle}`;

  return (
    <form
      className="mt-2 space-y-3"
      data-testid="fork-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!parsed.ok) return;
        fork.mutate({
          id: agentId,
          cycle,
          name: name.trim() || undefined,
          ...(stateText !== original ? { worldState: parsed.value } : {}),
          ...(instructions !== preview.agent.instructions ? { instructions } : {}),
          ...(isModelChanged ? { provider, model } : {}),
        });
      }}
    >
      <p className="text-xs text-zinc-500">
        The state at the end of cycle {cycle}
        {preview.fromCheckpointCycle === null
          ? ", rebuilt from the agent's start and its events."
          : preview.fromCheckpointCycle === cycle
            ? " (a checkpoint)."
            : `, rebuilt from the checkpoint at cycle ${preview.fromCheckpointCycle} and the events after it.`}{" "}
        This agent is not changed.
      </p>
      <Field id={id("name")} label="Name of the new agent" error={errors.name?.[0]} hint="Leave empty for “… (fork at cycle N)”.">
        <Input id={id("name")} value={name} invalid={!!errors.name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field
        id={id("state")}
        label="World state (JSON)"
        error={parsed.ok ? errors.worldState?.[0] : parsed.error}
        hint={stateText === original ? "As it was at that cycle; edit it to try “what if”." : "Edited: the fork starts with this state."}
      >
        <Textarea
          id={id("state")}
          rows={8}
          spellCheck={false}
          className="font-mono text-xs"
          value={stateText}
          invalid={!parsed.ok}
          onChange={(e) => setStateText(e.target.value)}
        />
      </Field>
      <Field id={id("instructions")} label="Instructions" error={errors.instructions?.[0]}>
        <Textarea id={id("instructions")} rows={3} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id={id("provider")} label="Model provider" error={errors.provider?.[0]}>
          <Select id={id("provider")} value={provider} onChange={(e) => setProvider(e.target.value)}>
            <option value={SIMULATOR_PROVIDER}>{SIMULATOR_LABEL}</option>
            {(providers.data ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={id("model")} label="Model" error={errors.model?.[0]}>
          <Input id={id("model")} value={model} invalid={!!errors.model} onChange={(e) => setModel(e.target.value)} />
        </Field>
      </div>
      <details className="text-xs text-zinc-500">
        <summary>The summary the fork starts with</summary>
        <pre tabIndex={0} className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap">
          {preview.summary || "(no cycles yet)"}
        </pre>
      </details>
      {fork.error && Object.keys(errors).length === 0 ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {fork.error.message}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" isLoading={fork.isPending} disabled={!parsed.ok}>
          Create fork
        </Button>
        <Button type="button" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** "Fork from cycle [n]…": any cycle the agent has finished, not only checkpoints. */
export function ForkFromAnyCycle({ agentId, cycleCount }: { agentId: string; cycleCount: number }) {
  const [typed, setTyped] = useState(String(cycleCount));
  const [open, setOpen] = useState<number | null>(null);
  const cycle = Number(typed);
  const isValid = typed.trim() !== "" && Number.isInteger(cycle) && cycle >= 0 && cycle <= cycleCount;
  return (
    <div className="space-y-2" data-testid="fork-any-cycle">
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <Field
          id="fork-cycle"
          label="Fork from the end of cycle"
          error={isValid || typed === "" ? null : `Choose a cycle from 0 to ${cycleCount}.`}
        >
          <Input
            id="fork-cycle"
            inputMode="numeric"
            className="w-28"
            value={typed}
            invalid={!isValid}
            onChange={(e) => {
              setTyped(e.target.value);
              setOpen(null);
            }}
          />
        </Field>
        <GatedButton
          permission="agent:edit"
          action="fork agents"
          variant="secondary"
          disabled={!isValid}
          onClick={() => setOpen(cycle)}
          aria-expanded={open !== null}
        >
          Fork…
        </GatedButton>
      </div>
      {open !== null ? <ForkForm agentId={agentId} cycle={open} onCancel={() => setOpen(null)} /> : null}
    </div>
  );
}
