"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { Alert } from "../ui/alert";
import { Field, Input } from "../ui/field";
import { useTRPC } from "../trpc/react";
import { readFieldErrors } from "../trpc/errors";

export function CreateTeamForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.team.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        router.push("/agents");
        router.refresh();
      },
    }),
  );
  const fieldErrors = readFieldErrors(create.error);
  return (
    <form
      noValidate
      className="space-y-5"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate({ name });
      }}
    >
      {create.error && !fieldErrors.name ? <Alert variant="inline">{create.error.message}</Alert> : null}
      <Field id="team-name" label="Team name" error={fieldErrors.name?.[0]}>
        <Input id="team-name" name="name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!fieldErrors.name} />
      </Field>
      <Button type="submit" isLoading={create.isPending}>
        Create team
      </Button>
    </form>
  );
}
