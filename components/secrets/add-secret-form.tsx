"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { secretInputSchema } from "~/shared/team-secrets";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input } from "../ui/field";

type Values = { name: string; value: string };

/** A new secret: its name (checked in the browser first) and its value, typed into a password field. */
export function AddSecretForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({ name: "", value: "" });
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const create = useMutation(
    trpc.secret.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Added ${created.name}.`);
        await queryClient.invalidateQueries({ queryKey: trpc.secret.list.queryKey() });
        onDone();
      },
    }),
  );
  const serverErrors = readFieldErrors(create.error);
  const errorFor = (field: keyof Values) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = (key: keyof Values, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    create.reset();
    const parsed = secretInputSchema.safeParse(values);
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      requestAnimationFrame(() => document.querySelector<HTMLElement>("form [aria-invalid='true']")?.focus());
      return;
    }
    setClientErrors({});
    create.mutate(parsed.data);
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-5" aria-label="Add a secret">
      {create.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{create.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="secret-name" label="Name" error={errorFor("name")} hint="Capital letters, digits and _, e.g. GITHUB_TOKEN.">
          <Input
            id="secret-name"
            name="name"
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            value={values.name}
            invalid={!!errorFor("name")}
            onChange={(e) => set("name", e.target.value)}
          />
        </Field>
        <Field id="secret-value" label="Value" error={errorFor("value")} hint="At least 8 characters. Only its last four are shown again.">
          <Input
            id="secret-value"
            name="value"
            type="password"
            autoComplete="new-password"
            value={values.value}
            invalid={!!errorFor("value")}
            onChange={(e) => set("value", e.target.value)}
          />
        </Field>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={create.isPending}>
          Add secret
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
