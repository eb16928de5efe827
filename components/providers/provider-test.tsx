"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { CompactInput } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import { Notice } from "../ui/alert";
import { useTRPC } from "../trpc/react";
import { testedWhen, type Provider, type ProviderTest } from "./describe";

const MODELS_SHOWN = 12;

/** What the last "Test connection" found: works or not, its sentence, each check, and the models listed. */
export function TestResult({ result, now }: { result: ProviderTest | null; now: number }) {
  if (!result) return <p className="text-sm text-zinc-500 dark:text-zinc-400">Not tested yet.</p>;
  const testedAt = new Date(result.testedAt);
  const more = result.models.length - MODELS_SHOWN;
  return (
    <div className="space-y-2" data-testid="provider-test-result" data-ok={result.ok}>
      <p className="text-sm break-words">
        <Badge tone={result.ok ? "green" : "red"} className="mr-2 align-middle">
          {result.ok ? "Works" : "Failed"}
        </Badge>
        {result.summary}{" "}
        <span className="text-xs whitespace-nowrap text-zinc-500 dark:text-zinc-400" title={formatAbsolute(testedAt)}>
          tested {testedWhen(testedAt, now)}
        </span>
      </p>
      <ul className="space-y-1 text-sm" aria-label="Checks">
        {result.checks.map((check, index) => (
          <li key={index} className="flex gap-2" data-testid="provider-check" data-ok={check.ok}>
            <span aria-hidden className={check.ok ? "text-emerald-600 dark:text-emerald-400" : "text-red-600 dark:text-red-400"}>
              {check.ok ? "✓" : "✗"}
            </span>
            <span className="min-w-0 break-words">
              <span className="font-medium">{check.name}</span>
              <span className="sr-only">{check.ok ? " ok" : " failed"}</span>: {check.detail}
            </span>
          </li>
        ))}
      </ul>
      {result.models.length > 0 ? (
        <p className="text-xs break-words text-zinc-600 dark:text-zinc-400" data-testid="provider-models">
          <span className="font-medium">Models found:</span> {result.models.slice(0, MODELS_SHOWN).join(", ")}
          {more > 0 ? ` and ${more} more` : ""}
        </p>
      ) : null}
    </div>
  );
}

/** "Test connection", optionally with the model to try; it stores its result, which the list then shows. */
export function TestControls({ provider }: { provider: Provider }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [model, setModel] = useState("");
  const test = useMutation(
    trpc.provider.test.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.provider.list.queryKey() }),
    }),
  );
  const modelId = `provider-${provider.id}-test-model`;
  return (
    <form
      className="space-y-2"
      onSubmit={(event) => {
        event.preventDefault();
        test.mutate({ id: provider.id, model: model.trim() || undefined });
      }}
    >
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={modelId} className="sr-only">
          Model to test {provider.name} with
        </label>
        <CompactInput
          id={modelId}
          className="min-w-0 flex-1 basis-48 sm:max-w-64"
          placeholder="Model (optional: the first listed)"
          autoComplete="off"
          spellCheck={false}
          value={model}
          onChange={(e) => setModel(e.target.value)}
        />
        <Button type="submit" variant="secondary" className="py-1.5" isLoading={test.isPending}>
          {test.isPending ? "Testing…" : "Test connection"}
          <span className="sr-only"> of {provider.name}</span>
        </Button>
      </div>
      {test.isPending ? (
        <p role="status" className="text-xs text-zinc-500 dark:text-zinc-400">
          Listing models and trying a chat call; this can take a few seconds.
        </p>
      ) : null}
      <Notice size="xs" message={test.error ? { kind: "error", text: test.error.message } : null} />
    </form>
  );
}
