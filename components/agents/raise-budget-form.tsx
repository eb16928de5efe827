"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { toast } from "sonner";

const NAMES: Record<string, string> = { budgetUsd: "money limit", budgetTokens: "token limit", budgetCycles: "cycle limit" };

/**
 * Raise the agent's limits (admins): a pending soft-limit hold is approved and a budget-exhausted
 * agent resumes. Empty fields stay as they are. The server judges each field on its own and applies
 * the valid ones: an applied field is emptied, one that was not keeps what was typed with the reason
 * beside it, so nothing typed is lost (issue 22).
 */
export function RaiseBudgetForm({ agentId, onDone }: { agentId: string; onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [usd, setUsd] = useState("");
  const [tokens, setTokens] = useState("");
  const [cycles, setCycles] = useState("");
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [notApplied, setNotApplied] = useState<Record<string, string>>({});
  const setters: Record<string, (value: string) => void> = { budgetUsd: setUsd, budgetTokens: setTokens, budgetCycles: setCycles };
  const raise = useMutation(
    trpc.agent.raiseBudget.mutationOptions({
      onSuccess: (result) => {
        for (const field of result.applied) setters[field]?.("");
        const skipped = result.notApplied as Record<string, string>;
        setNotApplied(skipped);
        const raised = `Raised the ${result.applied.map((f) => NAMES[f]).join(" and ")}.`;
        const rest =
          Object.keys(skipped).length > 0
            ? ` Not applied: the ${Object.keys(skipped)
                .map((f) => NAMES[f])
                .join(" and ")} (see beside it).`
            : "";
        setDone(raised + rest);
        toast.success(raised);
        void queryClient.invalidateQueries({ queryKey: trpc.agent.byId.queryKey({ id: agentId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.spend.forAgent.pathKey() });
        onDone?.();
      },
    }),
  );
  const serverErrors = readFieldErrors(raise.error);
  const errorFor = (field: string) => localErrors[field] ?? serverErrors[field]?.[0] ?? notApplied[field];
  const whole = (value: string, label: string, field: string, errors: Record<string, string>) => {
    if (value.trim() === "") return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) {
      errors[field] = `Enter a whole number of ${label}.`;
      return undefined;
    }
    return n;
  };
  const input =
    "mt-1 block w-40 rounded-md border-0 bg-white px-2.5 py-1.5 text-sm ring-1 ring-zinc-300 ring-inset dark:bg-zinc-950 dark:ring-zinc-700";
  return (
    <form
      className="space-y-3"
      aria-label="Raise budget"
      onSubmit={(e) => {
        e.preventDefault();
        setDone(null);
        setNotApplied({});
        const errors: Record<string, string> = {};
        const budgetTokens = whole(tokens, "tokens", "budgetTokens", errors);
        const budgetCycles = whole(cycles, "cycles", "budgetCycles", errors);
        if (!usd.trim() && budgetTokens === undefined && budgetCycles === undefined && Object.keys(errors).length === 0) {
          errors.budgetUsd = "Enter at least one new limit.";
        }
        setLocalErrors(errors);
        if (Object.keys(errors).length > 0) return;
        raise.mutate({ id: agentId, ...(usd.trim() ? { budgetUsd: usd.trim() } : {}), budgetTokens, budgetCycles });
      }}
    >
      <div className="flex flex-wrap gap-4">
        {(
          [
            ["budgetUsd", "New money limit (USD)", usd, setUsd, "decimal"],
            ["budgetTokens", "New token limit", tokens, setTokens, "numeric"],
            ["budgetCycles", "New cycle limit", cycles, setCycles, "numeric"],
          ] as const
        ).map(([field, label, value, set, mode]) => (
          <label key={field} className="text-sm">
            <span className="text-xs font-medium">{label}</span>
            <input
              value={value}
              onChange={(e) => set(e.target.value)}
              inputMode={mode}
              aria-invalid={errorFor(field) ? true : undefined}
              aria-describedby={errorFor(field) ? `raise-${field}-error` : undefined}
              className={input}
            />
            {errorFor(field) ? (
              <span
                id={`raise-${field}-error`}
                data-field-error={`raise-${field}`}
                className="mt-1 block text-xs text-red-700 dark:text-red-300"
              >
                {errorFor(field)}
              </span>
            ) : null}
          </label>
        ))}
      </div>
      {raise.error && Object.keys(serverErrors).length === 0 ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {raise.error.message}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="text-sm text-emerald-700 dark:text-emerald-300">
          {done}
        </p>
      ) : null}
      <Button type="submit" isLoading={raise.isPending}>
        Raise budget
      </Button>
    </form>
  );
}
