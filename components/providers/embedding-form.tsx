"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { embedderChoiceSchema, type EmbedderChoice } from "~/shared/team-embedder";
import { useTRPC } from "../trpc/react";
import { Notice } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select } from "../ui/field";
import type { Provider } from "./describe";
import type { TeamEmbedder } from "./embedding-settings";

const OFFLINE = "offline";
const usd = (n: number) => (n < 0.01 ? "less than $0.01" : `about $${n.toFixed(2)}`);
const count = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "memory" : "memories"}`;

/** The choice the form's values make, when they make a valid one. */
function choiceOf(source: string, model: string): EmbedderChoice | null {
  const choice = source === OFFLINE ? { kind: "offline" as const } : { kind: "provider" as const, providerId: source, model: model.trim() };
  return embedderChoiceSchema.safeParse(choice).success ? choice : null;
}

/**
 * Offline, or one of the team's providers and an embedding model (free text; the models its last
 * connection test listed are offered), with what saving would re-embed and at about what cost.
 */
export function EmbeddingForm({ current, providers }: { current: TeamEmbedder; providers: Provider[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [source, setSource] = useState(current.choice.kind === "offline" ? OFFLINE : current.choice.providerId);
  const [model, setModel] = useState(current.choice.kind === "offline" ? "text-embedding-3-small" : current.choice.model);
  const [modelError, setModelError] = useState<string | null>(null);
  const provider = providers.find((p) => p.id === source) ?? null;
  const choice = choiceOf(source, model);
  const isCurrent =
    current.choice.kind === "offline" ? source === OFFLINE : source === current.choice.providerId && model.trim() === current.choice.model;
  const estimate = useQuery(
    trpc.provider.embedderEstimate.queryOptions({ choice: choice ?? { kind: "offline" } }, { enabled: choice !== null && !isCurrent }),
  );
  const save = useMutation(
    trpc.provider.setEmbedder.mutationOptions({
      onSuccess: (result) => {
        toast.success(result.isReembedRequested ? "Saved. Re-embedding the team's memories…" : "Saved.");
      },
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.provider.embedder.queryKey() }),
    }),
  );

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = embedderChoiceSchema.safeParse(
      source === OFFLINE ? { kind: "offline" } : { kind: "provider", providerId: source, model: model.trim() },
    );
    setModelError(parsed.success ? null : (parsed.error.issues[0]?.message ?? "Check the model name."));
    if (parsed.success) save.mutate({ choice: parsed.data });
  }

  const suggestions = provider?.lastTest?.models ?? [];
  const sortedSuggestions = [...suggestions.filter((m) => /embed/i.test(m)), ...suggestions.filter((m) => !/embed/i.test(m))];
  let sentence: string | null = null;
  if (isCurrent) sentence = "This is the current choice.";
  else if (estimate.data && choice) {
    const e = estimate.data;
    if (e.embedderId === current.embedderId) sentence = "Same model: the vectors stay valid, nothing is re-embedded.";
    else if (e.memories === 0) sentence = "Nothing to re-embed: no memory is on another embedder.";
    else if (choice.kind === "offline") sentence = `${count(e.memories)} will be re-embedded offline, at no cost.`;
    else
      sentence =
        `${count(e.memories)} will be re-embedded at ${provider?.name ?? "the provider"}'s embedding price: ${usd(e.costUsd)} in all, ` +
        `charged to each agent's budget${e.isPriced ? "" : ` (no price is set for ${choice.model}: the instance's default applies)`}.`;
  }

  return (
    <form className="space-y-4 border-t border-zinc-100 pt-4 dark:border-zinc-800" onSubmit={onSubmit} noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={`${id}-source`} label="Embed with" hint="Offline needs no network and costs nothing; it matches words, not meaning.">
          <Select id={`${id}-source`} name="embedder" value={source} onChange={(e) => setSource(e.target.value)}>
            <option value={OFFLINE}>Offline (Longhaul&apos;s own)</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Field>
        {source !== OFFLINE ? (
          <Field
            id={`${id}-model`}
            label="Embedding model"
            error={modelError}
            hint={suggestions.length > 0 ? "Suggestions come from the provider's last connection test." : "e.g. text-embedding-3-small"}
          >
            <Input
              id={`${id}-model`}
              name="embeddingModel"
              list={`${id}-models`}
              autoComplete="off"
              spellCheck={false}
              value={model}
              invalid={!!modelError}
              onChange={(e) => {
                setModel(e.target.value);
                setModelError(null);
              }}
            />
            <datalist id={`${id}-models`}>
              {sortedSuggestions.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </Field>
        ) : null}
      </div>
      <p className="min-h-5 text-sm text-zinc-700 dark:text-zinc-300" data-testid="embedding-estimate" aria-live="polite">
        {sentence ?? (estimate.isFetching ? "Counting the memories to re-embed…" : "")}
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" isLoading={save.isPending} disabled={isCurrent || save.isPending}>
          Save
        </Button>
        <Notice
          message={
            save.error
              ? { kind: "error", text: save.error.message }
              : save.data && !save.data.isReembedRequested && current.waiting > 0
                ? { kind: "error", text: "Saved, but re-embedding could not be started: use “Re-embed waiting memories”." }
                : null
          }
        />
      </div>
    </form>
  );
}
