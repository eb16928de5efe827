"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState, type FormEvent } from "react";
import type { AppRouter } from "~/server/api/root";
import { apiTokenInputSchema } from "~/shared/api-tokens";
import { hasRoleAtLeast, TEAM_ROLES, type TeamRoleName } from "~/shared/roles";
import { zodFieldErrors } from "~/shared/validation";
import { describeRole, ROLE_LABELS } from "../teams/roles";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select } from "../ui/field";

export type CreatedToken = inferRouterOutputs<AppRouter>["apiToken"]["create"];
type Values = { name: string; role: TeamRoleName; expiresInDays: string };

/** The roles a token of mine may act with: mine and those below it. */
export const grantableRoles = (myRole: TeamRoleName) => TEAM_ROLES.filter((role) => hasRoleAtLeast(myRole, role));

/** Name, role (no higher than the creator's; the select offers no other) and an optional expiry in days. */
export function CreateTokenForm({
  myRole,
  onCreated,
  onCancel,
}: {
  myRole: TeamRoleName;
  onCreated: (created: CreatedToken) => void;
  onCancel: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({ name: "", role: "viewer", expiresInDays: "" });
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const create = useMutation(
    trpc.apiToken.create.mutationOptions({
      onSuccess: async (created) => {
        await queryClient.invalidateQueries({ queryKey: trpc.apiToken.list.queryKey() });
        onCreated(created);
      },
    }),
  );
  const serverErrors = readFieldErrors(create.error);
  const errorFor = (field: keyof Values) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    create.reset();
    const days = values.expiresInDays.trim();
    const parsed = apiTokenInputSchema.safeParse({
      name: values.name,
      role: values.role,
      expiresInDays: days === "" ? undefined : Number(days),
    });
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      requestAnimationFrame(() => document.querySelector<HTMLElement>("form [aria-invalid='true']")?.focus());
      return;
    }
    setClientErrors({});
    create.mutate(parsed.data);
  }

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-5" aria-label="Create a token">
      {create.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{create.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id="token-name" label="Name" error={errorFor("name")} hint="What uses it, e.g. Nightly CI.">
          <Input
            id="token-name"
            name="name"
            autoComplete="off"
            value={values.name}
            invalid={!!errorFor("name")}
            onChange={(e) => set("name", e.target.value)}
          />
        </Field>
        <Field id="token-role" label="Role" error={errorFor("role")} hint={describeRole(values.role)}>
          <Select
            id="token-role"
            name="role"
            value={values.role}
            invalid={!!errorFor("role")}
            onChange={(e) => set("role", e.target.value as TeamRoleName)}
          >
            {grantableRoles(myRole).map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          id="token-expiresInDays"
          label="Expires after (days)"
          error={errorFor("expiresInDays")}
          hint="Empty: until revoked. At most 366."
        >
          <Input
            id="token-expiresInDays"
            name="expiresInDays"
            inputMode="numeric"
            autoComplete="off"
            placeholder="Never"
            value={values.expiresInDays}
            invalid={!!errorFor("expiresInDays")}
            onChange={(e) => set("expiresInDays", e.target.value)}
          />
        </Field>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={create.isPending}>
          Create token
        </Button>
        <Button type="button" variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
