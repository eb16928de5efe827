"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select } from "../ui/field";
import { Panel } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";

const OWN_MODEL = "";

/**
 * Team → Model providers → Summaries: who writes the rolling summaries and consolidated memories of
 * the team's agents on real models (docs/decisions/032): each agent's own model, or one provider and
 * model chosen here (a cheaper one, say). Admins and owners choose; everyone else sees the choice.
 * Agents on the simulator keep rule-based summaries whatever is chosen.
 */
export function SummarizerSettings({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const summarizer = useQuery(trpc.provider.summarizer.queryOptions(undefined, { retry: false }));
  const providers = useQuery(trpc.provider.list.queryOptions(undefined, { retry: false }));
  const [isEditing, setEditing] = useState(false);

  const current = summarizer.data;
  const described = !current
    ? null
    : current.providerId === null
      ? "Each agent's own model writes its summaries."
      : `${current.model} on ${current.providerName} writes every agent's summaries.`;

  return (
    <Panel
      title="Summaries"
      description="Older cycles are folded into a rolling summary, and memories over an agent's cap into summary memories. For agents on a real model a model writes them, charged to the agent's budget; if it fails, the rule-based digest is kept. Agents on the simulator always use the digest."
      data-testid="summarizer-settings"
    >
      {summarizer.isPending ? (
        <Skeleton className="h-10 rounded-md" label="Loading who writes summaries" />
      ) : summarizer.isError ? (
        <Alert variant="inline">Who writes summaries could not load: {summarizer.error.message}</Alert>
      ) : isEditing && canManage ? (
        <SummarizerForm
          initial={{ providerId: current?.providerId ?? OWN_MODEL, model: current?.model ?? "" }}
          providers={providers.data ?? []}
          onDone={() => setEditing(false)}
        />
      ) : (
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm" data-testid="summarizer-current">
            {described}
          </p>
          {canManage ? (
            <Button type="button" variant="secondary" className="py-1.5" onClick={() => setEditing(true)}>
              Change<span className="sr-only"> who writes summaries</span>
            </Button>
          ) : null}
        </div>
      )}
    </Panel>
  );
}

function SummarizerForm({
  initial,
  providers,
  onDone,
}: {
  initial: { providerId: string; model: string };
  providers: readonly { id: string; name: string }[];
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [providerId, setProviderId] = useState(initial.providerId);
  const [model, setModel] = useState(initial.model);
  const save = useMutation(
    trpc.provider.setSummarizer.mutationOptions({
      onSuccess: (saved) => {
        queryClient.setQueryData(trpc.provider.summarizer.queryKey(), saved);
        toast.success(saved.providerId === null ? "Each agent's own model writes its summaries." : `${saved.model} writes summaries now.`);
        onDone();
      },
    }),
  );
  const fieldError = readFieldErrors(save.error).model?.[0] ?? null;

  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(providerId === OWN_MODEL ? { providerId: null } : { providerId, model: model.trim() });
      }}
    >
      <Field id="summarizer-provider" label="Written by">
        <Select id="summarizer-provider" value={providerId} onChange={(e) => setProviderId(e.target.value)}>
          <option value={OWN_MODEL}>Each agent&apos;s own model</option>
          {providers.map((p) => (
            <option key={p.id} value={p.id}>
              A model of {p.name}
            </option>
          ))}
        </Select>
      </Field>
      {providerId !== OWN_MODEL ? (
        <Field
          id="summarizer-model"
          label="Model"
          hint="It needs a price on that provider, like any model an agent runs on."
          error={fieldError}
        >
          <Input
            id="summarizer-model"
            value={model}
            onChange={(e) => setModel(e.target.value)}
            placeholder="gpt-4o-mini"
            invalid={fieldError !== null}
            required
          />
        </Field>
      ) : null}
      {save.error && !fieldError ? (
        <Alert variant="inline" data-testid="summarizer-error">
          {save.error.message}
        </Alert>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" isLoading={save.isPending}>
          Save
        </Button>
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
