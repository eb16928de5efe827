"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { mcpOAuthClientSchema } from "~/shared/mcp-servers";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { Field, Input } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import type { McpServer } from "./mcp-server-card";

const AUTH: Record<Exclude<McpServer["authStatus"], "none">, { label: string; tone: BadgeTone }> = {
  required: { label: "Sign-in needed", tone: "amber" },
  authorized: { label: "Signed in", tone: "green" },
};

/**
 * A remote server's OAuth sign-in on its card: the state for everyone; for admins, Connect while a
 * sign-in is needed (the browser goes to the server's authorization server and comes back to
 * /api/mcp/oauth/callback; a client registered by hand can be entered first) and Disconnect once signed in.
 * A server that never asked for a sign-in shows nothing.
 */
export function McpOAuthState({ server, canManage }: { server: McpServer; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isEnteringClient, setEnteringClient] = useState(false);
  const idBase = `mcp-oauth-${server.id}`;
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const refreshList = () => queryClient.invalidateQueries({ queryKey: trpc.mcp.list.queryKey() });
  const start = useMutation(
    trpc.mcp.oauthStart.mutationOptions({
      onSuccess: async ({ authorizationUrl }) => {
        if (authorizationUrl) {
          window.location.assign(authorizationUrl);
          return;
        }
        toast.success(`${server.name}: the sign-in was renewed.`);
        await refreshList();
      },
    }),
  );
  const disconnect = useMutation(
    trpc.mcp.oauthDisconnect.mutationOptions({
      onSuccess: async () => {
        toast.success(`Signed out of ${server.name}.`);
        await refreshList();
      },
    }),
  );
  if (server.transport === "stdio" || server.authStatus === "none") return null;
  const state = AUTH[server.authStatus];

  const submitClient = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const parsed = mcpOAuthClientSchema.safeParse({ clientId: form.get("clientId"), clientSecret: form.get("clientSecret") });
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), [issue.message]])));
      return;
    }
    setFieldErrors({});
    start.mutate({ id: server.id, client: parsed.data });
  };

  return (
    <div className="space-y-2" data-testid="mcp-oauth" data-auth-status={server.authStatus}>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium">OAuth</span>
        <Badge tone={state.tone}>{state.label}</Badge>
        {server.authStatus === "authorized" && server.oauthExpiresAt ? (
          <span className="text-xs text-zinc-600 dark:text-zinc-400">
            access renewed automatically; current token until {formatAbsolute(server.oauthExpiresAt)}
          </span>
        ) : null}
        {canManage && server.authStatus === "authorized" ? (
          <ConfirmButton
            variant="ghost"
            className="py-1"
            label={`Confirm disconnecting ${server.name}`}
            question={`Sign out of ${server.name}? Its tools are unavailable until an admin connects again.`}
            confirmLabel="Disconnect"
            isLoading={disconnect.isPending}
            onConfirm={() => disconnect.mutate({ id: server.id })}
          >
            Disconnect…<span className="sr-only"> {server.name}</span>
          </ConfirmButton>
        ) : null}
        {canManage && server.authStatus === "required" ? (
          <>
            <Button
              type="button"
              variant="secondary"
              className="py-1"
              isLoading={start.isPending}
              onClick={() => start.mutate({ id: server.id })}
            >
              Connect<span className="sr-only"> {server.name}</span>
            </Button>
            {!isEnteringClient ? (
              <button type="button" className="text-xs underline" onClick={() => setEnteringClient(true)}>
                Use a client ID you registered
              </button>
            ) : null}
          </>
        ) : null}
      </div>
      {server.authStatus === "required" && server.authError ? (
        <p className="text-sm text-amber-800 dark:text-amber-300" data-testid="mcp-oauth-reason">
          {server.authError}
        </p>
      ) : null}
      {canManage && isEnteringClient && server.authStatus === "required" ? (
        <form className="grid gap-3 sm:grid-cols-[1fr_1fr_auto] sm:items-end" onSubmit={submitClient} noValidate>
          <Field id={`${idBase}-client-id`} label="Client ID" error={fieldErrors.clientId?.[0]}>
            <Input id={`${idBase}-client-id`} name="clientId" autoComplete="off" invalid={!!fieldErrors.clientId} />
          </Field>
          <Field
            id={`${idBase}-client-secret`}
            label="Client secret (optional)"
            hint="Stored encrypted, never shown again."
            error={fieldErrors.clientSecret?.[0]}
          >
            <Input
              id={`${idBase}-client-secret`}
              name="clientSecret"
              type="password"
              autoComplete="off"
              invalid={!!fieldErrors.clientSecret}
            />
          </Field>
          <Button type="submit" isLoading={start.isPending}>
            Connect with this client
          </Button>
        </form>
      ) : null}
      {start.error || disconnect.error ? <Alert variant="inline">{(start.error ?? disconnect.error)!.message}</Alert> : null}
    </div>
  );
}
