"use client";

import { clsx } from "clsx";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { toast } from "sonner";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { CompactInput } from "../ui/field";
import { CARD } from "../ui/panel";
import { useTRPC } from "../trpc/react";
import { compatSummary, keyState, kindOf, shownBaseUrl, type Provider } from "./describe";
import { ProviderFormFields } from "./provider-form";
import { ProviderPrices } from "./provider-prices";
import { TestControls, TestResult } from "./provider-test";

/** One provider: its settings as words, its last test, its prices, and (admins and owners) test, edit, price and delete. */
export function ProviderCard({ provider, canManage, now }: { provider: Provider; canManage: boolean; now: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isEditing, setEditing] = useState(false);
  const remove = useMutation(
    trpc.provider.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Deleted ${provider.name}.`);
        await queryClient.invalidateQueries({ queryKey: trpc.provider.list.queryKey() });
      },
    }),
  );
  const kind = kindOf(provider.kind);

  return (
    <li className={`${CARD} space-y-4`} data-testid="provider" data-name={provider.name}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="flex flex-wrap items-center gap-2 font-semibold break-words">
            {provider.name} <Badge>{kind.label}</Badge>
          </h3>
          <p className="text-sm break-all text-zinc-600 dark:text-zinc-400" data-testid="provider-base-url">
            {shownBaseUrl(provider.baseUrl)}
          </p>
        </div>
        {canManage && !isEditing ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button type="button" variant="secondary" className="py-1.5" onClick={() => setEditing(true)}>
              Edit<span className="sr-only"> {provider.name}</span>
            </Button>
            <ConfirmButton
              variant="ghost"
              className="py-1.5"
              label={`Confirm deleting ${provider.name}`}
              question={`Delete ${provider.name}? Its key and headers are gone for good.`}
              confirmLabel="Delete provider"
              isLoading={remove.isPending}
              onConfirm={() => remove.mutate({ id: provider.id })}
            >
              Delete…<span className="sr-only"> {provider.name}</span>
            </ConfirmButton>
          </div>
        ) : null}
      </div>
      {remove.error ? (
        <Alert variant="inline" data-testid="provider-delete-error">
          {remove.error.message}
        </Alert>
      ) : null}

      {isEditing ? (
        <div className="space-y-5 border-t border-zinc-100 pt-4 dark:border-zinc-800">
          <KeyControls provider={provider} />
          <ProviderFormFields provider={provider} onDone={() => setEditing(false)} />
        </div>
      ) : (
        <>
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm lg:grid-cols-3">
            <Detail term="API key">{keyState(provider)}</Detail>
            <Detail term="Extra headers">{provider.headerNames.length > 0 ? provider.headerNames.join(", ") : "none"}</Detail>
            <Detail term="Timeout">{provider.timeoutSeconds} s</Detail>
            <Detail term="Compatibility" className="col-span-2">
              <span data-testid="provider-compat">{compatSummary(provider)}</span>
            </Detail>
          </dl>
          <div className="space-y-3 border-t border-zinc-100 pt-3 dark:border-zinc-800">
            <h4 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Last connection test</h4>
            <TestResult result={provider.lastTest} now={now} />
            {canManage ? <TestControls provider={provider} /> : null}
          </div>
          <ProviderPrices provider={provider} canManage={canManage} />
        </>
      )}
    </li>
  );
}

function Detail({ term, className, children }: { term: string; className?: string; children: ReactNode }) {
  return (
    <div className={clsx("min-w-0", className)}>
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{term}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}

/** Replacing or removing a saved provider's key (provider.rotateKey): the old key is gone for good. */
function KeyControls({ provider }: { provider: Provider }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isReplacing, setReplacing] = useState(false);
  const [key, setKey] = useState("");
  const rotate = useMutation(
    trpc.provider.rotateKey.mutationOptions({
      onSuccess: async (_, input) => {
        toast.success(input.apiKey.trim() ? `Replaced the key of ${provider.name}.` : `Removed the key of ${provider.name}.`);
        setReplacing(false);
        setKey("");
        await queryClient.invalidateQueries({ queryKey: trpc.provider.list.queryKey() });
      },
    }),
  );
  const keyId = `provider-${provider.id}-new-key`;
  return (
    <div className="space-y-2" role="group" aria-label={`API key of ${provider.name}`}>
      <p className="text-sm">
        <span className="font-medium">API key:</span> <span data-testid="provider-key-state">{keyState(provider)}</span>
        <span className="text-zinc-500 dark:text-zinc-400"> · never shown again; replace or remove it here.</span>
      </p>
      {isReplacing ? (
        <form
          className="flex flex-wrap items-center gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            if (key.trim()) rotate.mutate({ id: provider.id, apiKey: key });
          }}
        >
          <label htmlFor={keyId} className="sr-only">
            New API key
          </label>
          <CompactInput
            id={keyId}
            type="password"
            autoComplete="off"
            className="min-w-0 flex-1 basis-48 sm:max-w-80"
            placeholder="New API key"
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
          <Button type="submit" className="py-1.5" isLoading={rotate.isPending} disabled={!key.trim() || rotate.isPending}>
            Save key
          </Button>
          <Button type="button" variant="ghost" className="py-1.5" onClick={() => setReplacing(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="button" variant="secondary" className="py-1.5" onClick={() => setReplacing(true)}>
            {provider.hasKey ? "Replace key" : "Set a key"}
          </Button>
          {provider.hasKey ? (
            <ConfirmButton
              variant="ghost"
              className="py-1.5"
              confirmLabel="Remove key"
              isLoading={rotate.isPending}
              onConfirm={() => rotate.mutate({ id: provider.id, apiKey: "" })}
            >
              Remove key…
            </ConfirmButton>
          ) : null}
        </div>
      )}
      {rotate.error ? <Alert variant="inline">{rotate.error.message}</Alert> : null}
    </div>
  );
}
