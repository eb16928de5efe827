"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { Field, Input } from "../ui/field";
import { formatPrice } from "../ui/format";
import { Skeleton } from "../ui/skeleton";
import { useTRPC } from "../trpc/react";
import type { Provider } from "./describe";
import { usePriceForm, type PriceRow } from "./use-price-form";

/**
 * A provider's prices per model (provider.prices): what budgets charge for its calls, over the
 * instance's table. Everyone sees them; admins and owners set, change, mark free and delete them.
 */
export function ProviderPrices({ provider, canManage }: { provider: Provider; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const prices = useQuery(trpc.provider.prices.queryOptions({ id: provider.id }, { retry: false }));
  // The model the form is open for: "" for a new one, null when it is closed.
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useMutation(
    trpc.provider.deletePrice.mutationOptions({
      onSuccess: (list, input) => {
        toast.success(`Deleted the price of ${input.model} on ${provider.name}.`);
        queryClient.setQueryData(trpc.provider.prices.queryKey({ id: provider.id }), list);
      },
    }),
  );
  const own = prices.data?.prices ?? [];

  return (
    <section
      className="space-y-3 border-t border-zinc-100 pt-3 dark:border-zinc-800"
      aria-label={`Prices of ${provider.name}`}
      data-testid="provider-prices"
    >
      <div>
        <h4 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Prices (USD per million tokens)</h4>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          What budgets charge for this provider&apos;s models, over the instance&apos;s own table. An agent on a model priced nowhere cannot
          start.
        </p>
      </div>
      {prices.isPending ? (
        <Skeleton className="h-16 rounded-md" label={`Loading the prices of ${provider.name}`} />
      ) : prices.isError ? (
        <Alert variant="inline">The prices could not load: {prices.error.message}</Alert>
      ) : own.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="prices-empty">
          No prices of its own: its models cost what the instance&apos;s table says, and models it does not know cannot run.
        </p>
      ) : (
        <div>
          <div className={`${ROW} hidden text-xs font-medium text-zinc-500 sm:grid dark:text-zinc-400`} aria-hidden>
            <span>Model</span>
            <span className="text-right">Input</span>
            <span className="text-right">Output</span>
          </div>
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label="Models priced">
            {own.map((price) => (
              <li key={price.model} className={`${ROW} grid py-2 text-sm sm:py-1.5`} data-testid="price" data-model={price.model}>
                <span className="col-span-2 min-w-0 sm:col-span-1">
                  <span className="font-mono text-xs break-all">{price.model}</span>
                  {price.isFree ? (
                    <Badge tone="green" className="ml-2">
                      free
                    </Badge>
                  ) : null}
                </span>
                <Amount label="Input" value={price.inputPerMillion} testId="price-input" />
                <Amount label="Output" value={price.outputPerMillion} testId="price-output" />
                {canManage ? (
                  <span className="col-span-2 -ml-2 flex flex-wrap gap-1 sm:col-span-1 sm:ml-0 sm:justify-end">
                    <Button type="button" variant="ghost" className="px-2 py-1" onClick={() => setEditing(price.model)}>
                      Change<span className="sr-only"> the price of {price.model}</span>
                    </Button>
                    <ConfirmButton
                      variant="ghost"
                      className="px-2 py-1"
                      confirmLabel="Delete price"
                      isLoading={remove.isPending}
                      onConfirm={() => remove.mutate({ id: provider.id, model: price.model })}
                    >
                      Delete…<span className="sr-only"> the price of {price.model}</span>
                    </ConfirmButton>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      )}
      {remove.error ? (
        <Alert variant="inline" data-testid="price-delete-error">
          {remove.error.message}
        </Alert>
      ) : null}
      {canManage && prices.data ? (
        editing === null ? (
          <Button type="button" variant="secondary" className="py-1.5" onClick={() => setEditing("")}>
            Set a price<span className="sr-only"> on {provider.name}</span>
          </Button>
        ) : (
          <PriceFormFields
            key={editing}
            provider={provider}
            own={own}
            instance={prices.data.instance}
            initialModel={editing}
            onDone={() => setEditing(null)}
          />
        )
      ) : null}
    </section>
  );
}

/** A price row: on a phone the two prices sit side by side under the model, labelled; wider, in columns under a header. */
const ROW = "grid-cols-2 items-center gap-x-4 gap-y-1 sm:grid-cols-[minmax(0,1fr)_8rem_8rem_minmax(0,12rem)]";

function Amount({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <span className="whitespace-nowrap sm:text-right">
      <span className="text-xs text-zinc-500 sm:sr-only dark:text-zinc-400">{label} </span>
      <span className="tabular-nums" data-testid={testId}>
        {formatPrice(value)}
      </span>
    </span>
  );
}

/** The model's name (suggested from the last test and the instance's table), its two prices, and Mark free. */
function PriceFormFields({
  provider,
  own,
  instance,
  initialModel,
  onDone,
}: {
  provider: Provider;
  own: PriceRow[];
  instance: PriceRow[];
  initialModel: string;
  onDone: () => void;
}) {
  const form = usePriceForm({ providerId: provider.id, providerName: provider.name, own, instance, initialModel, onDone });
  const { values, errorFor } = form;
  const id = (field: string) => `price-${provider.id}-${field}`;
  const suggestions = [...new Set([...(provider.lastTest?.models ?? []), ...instance.map((p) => p.model)])];
  const known = form.instanceDefault;
  return (
    <form
      noValidate
      onSubmit={form.onSubmit}
      className="space-y-4 rounded-lg bg-zinc-50 p-3 ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800"
      aria-label={`Set a price on ${provider.name}`}
    >
      {form.formError ? <Alert variant="inline">{form.formError}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-3">
        <Field
          id={id("model")}
          label="Model"
          error={errorFor("model")}
          hint={
            known ? (
              <span data-testid="price-instance-default">
                instance default: {formatPrice(known.inputPerMillion)} / {formatPrice(known.outputPerMillion)}
              </span>
            ) : (
              "As the agent names it; suggestions from the last test and the instance's table."
            )
          }
        >
          <Input
            id={id("model")}
            name="model"
            list={id("models")}
            autoComplete="off"
            spellCheck={false}
            value={values.model}
            invalid={!!errorFor("model")}
            onChange={(e) => form.setModel(e.target.value)}
          />
        </Field>
        <Field id={id("input")} label="Input ($ per million)" error={errorFor("inputPerMillion")} hint="Prompt tokens, e.g. 0.15.">
          <Input
            id={id("input")}
            name="inputPerMillion"
            inputMode="decimal"
            autoComplete="off"
            value={values.inputPerMillion}
            invalid={!!errorFor("inputPerMillion")}
            onChange={(e) => form.setPrice("inputPerMillion", e.target.value)}
          />
        </Field>
        <Field id={id("output")} label="Output ($ per million)" error={errorFor("outputPerMillion")} hint="Reply tokens, e.g. 0.60.">
          <Input
            id={id("output")}
            name="outputPerMillion"
            inputMode="decimal"
            autoComplete="off"
            value={values.outputPerMillion}
            invalid={!!errorFor("outputPerMillion")}
            onChange={(e) => form.setPrice("outputPerMillion", e.target.value)}
          />
        </Field>
      </div>
      <datalist id={id("models")}>
        {suggestions.map((model) => (
          <option key={model} value={model} />
        ))}
      </datalist>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" className="py-1.5" isLoading={form.isSaving}>
          Save price
        </Button>
        <Button type="button" variant="secondary" className="py-1.5" disabled={form.isSaving} onClick={form.markFree}>
          Mark free
        </Button>
        <Button type="button" variant="ghost" className="py-1.5" onClick={onDone}>
          Cancel
        </Button>
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Mark free sets both prices to $0: budgets will count nothing for this model&apos;s calls (token and cycle limits still apply).
      </p>
    </form>
  );
}
