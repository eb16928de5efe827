"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert, Notice } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { CompactInput } from "../ui/field";
import { formatAbsolute, formatRelative } from "../ui/format";

type Secret = inferRouterOutputs<AppRouter>["secret"]["list"][number];

/** One secret: its name as agents write it, "set, ends in …", who added it and when; rotate and delete where allowed. */
export function SecretRow({ secret, canManage, now }: { secret: Secret; canManage: boolean; now: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.secret.list.queryKey() });
  const remove = useMutation(
    trpc.secret.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Deleted ${secret.name}.`);
        await refresh();
      },
    }),
  );
  const changedAt = new Date(secret.updatedAt);
  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 sm:p-4 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="secret"
      data-name={secret.name}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <code className="font-mono font-semibold break-all">{secret.name}</code>
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="secret-state">
          set, ends in <code className="font-mono">{secret.valueLast4}</code>
        </span>
      </div>
      <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        Use as <code className="font-mono">{`{{secret:${secret.name}}}`}</code> · added by {secret.createdBy?.name ?? "a former member"} ·
        changed{" "}
        <time dateTime={changedAt.toISOString()} title={formatAbsolute(changedAt)}>
          {formatRelative(changedAt, Math.max(now, changedAt.getTime()))}
        </time>
      </p>
      {canManage ? (
        <div className="mt-3 space-y-2">
          <RotateControls secret={secret} onRotated={refresh} />
          <ConfirmButton
            variant="ghost"
            className="py-1.5"
            label={`Confirm deleting ${secret.name}`}
            question={
              <>
                Delete {secret.name}? Agents that refer to it get &ldquo;there is no team secret named {secret.name}&rdquo; from their next
                call.
              </>
            }
            confirmLabel="Delete secret"
            isLoading={remove.isPending}
            onConfirm={() => remove.mutate({ id: secret.id })}
          >
            Delete…<span className="sr-only"> {secret.name}</span>
          </ConfirmButton>
        </div>
      ) : null}
      <Notice message={remove.error ? { kind: "error", text: remove.error.message } : null} className="mt-2" />
    </li>
  );
}

/** Rotating: a new value under the same name; agents send it from their next call. */
function RotateControls({ secret, onRotated }: { secret: Secret; onRotated: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const [isRotating, setRotating] = useState(false);
  const [value, setValue] = useState("");
  const rotate = useMutation(
    trpc.secret.update.mutationOptions({
      onSuccess: async () => {
        toast.success(`Rotated ${secret.name}.`);
        setRotating(false);
        setValue("");
        await onRotated();
      },
    }),
  );
  if (!isRotating) {
    return (
      <Button type="button" variant="secondary" className="mr-2 py-1.5" onClick={() => setRotating(true)}>
        Rotate…<span className="sr-only"> {secret.name}</span>
      </Button>
    );
  }
  const inputId = `secret-${secret.id}-new-value`;
  const error = readFieldErrors(rotate.error).value?.[0] ?? rotate.error?.message;
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      aria-label={`Rotate ${secret.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        rotate.mutate({ id: secret.id, value });
      }}
    >
      <label htmlFor={inputId} className="sr-only">
        New value of {secret.name}
      </label>
      <CompactInput
        id={inputId}
        type="password"
        autoComplete="new-password"
        className="min-w-0 flex-1 basis-48 sm:max-w-80"
        placeholder="New value"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <Button type="submit" className="py-1.5" isLoading={rotate.isPending} disabled={!value || rotate.isPending}>
        Save new value
      </Button>
      <Button type="button" variant="ghost" className="py-1.5" onClick={() => setRotating(false)}>
        Cancel
      </Button>
      {error ? (
        <div className="w-full">
          <Alert variant="inline">{error}</Alert>
        </div>
      ) : null}
    </form>
  );
}
