"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { ReactNode } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import { Alert } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { formatAbsolute, formatPrice, formatRelative } from "../ui/format";
import { CARD } from "../ui/panel";
import { useTRPC } from "../trpc/react";
import { McpDiscoveryLists } from "./mcp-discovery";
import { McpOAuthState } from "./mcp-oauth";

/** A server as mcp.list returns it: no header or variable values. */
export type McpServer = inferRouterOutputs<AppRouter>["mcp"]["list"][number];

const STATUS: Record<McpServer["status"], { label: string; tone: BadgeTone }> = {
  up: { label: "Up", tone: "green" },
  down: { label: "Down", tone: "red" },
  unknown: { label: "Not checked yet", tone: "neutral" },
};
const TRANSPORT: Record<McpServer["transport"], string> = { http: "Streamable HTTP", sse: "HTTP+SSE", stdio: "Local command" };

/** One server: where it is, its status and last error, what it offers; admins and owners refresh and delete it. */
export function McpServerCard({ server, canManage, now }: { server: McpServer; canManage: boolean; now: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refreshList = () => queryClient.invalidateQueries({ queryKey: trpc.mcp.list.queryKey() });
  const refresh = useMutation(
    trpc.mcp.refresh.mutationOptions({
      onSuccess: async (result) => {
        if (result.status === "up") toast.success(`${result.name} is up: ${result.discovery?.tools.length ?? 0} tools.`);
        else toast.error(`${result.name} is down.`);
        await refreshList();
      },
    }),
  );
  const remove = useMutation(
    trpc.mcp.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(`Deleted ${server.name}.`);
        await refreshList();
      },
    }),
  );
  const status = STATUS[server.status];
  const where = server.transport === "stdio" ? [server.command, ...server.args].join(" ") : (server.url ?? "");

  return (
    <li
      className={`${CARD} space-y-4`}
      data-testid="mcp-server"
      data-name={server.name}
      data-status={server.status}
      data-auth-status={server.authStatus}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="flex flex-wrap items-center gap-2 font-semibold break-words">
            {server.name} <Badge tone={status.tone}>{status.label}</Badge> <Badge>{TRANSPORT[server.transport]}</Badge>
          </h3>
          <p className="font-mono text-xs break-all text-zinc-600 dark:text-zinc-400" data-testid="mcp-server-where">
            {where}
          </p>
        </div>
        {canManage ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button
              type="button"
              variant="secondary"
              className="py-1.5"
              isLoading={refresh.isPending}
              onClick={() => refresh.mutate({ id: server.id })}
            >
              Refresh<span className="sr-only"> {server.name}</span>
            </Button>
            <ConfirmButton
              variant="ghost"
              className="py-1.5"
              label={`Confirm deleting ${server.name}`}
              question={`Delete ${server.name}? Its headers and variables are gone for good.`}
              confirmLabel="Delete server"
              isLoading={remove.isPending}
              onConfirm={() => remove.mutate({ id: server.id })}
            >
              Delete…<span className="sr-only"> {server.name}</span>
            </ConfirmButton>
          </div>
        ) : null}
      </div>
      <McpOAuthState server={server} canManage={canManage} />
      {/* A sign-in that is needed is said once, by the OAuth line above. */}
      {server.status === "down" &&
      server.lastError &&
      !(server.authStatus === "required" && server.lastError.startsWith("Sign-in needed")) ? (
        <Alert variant="inline" data-testid="mcp-server-error">
          {server.lastError}
          {server.discovery ? " Its tools are unavailable until it answers again; below is what it offered when last up." : ""}
        </Alert>
      ) : null}
      {refresh.error || remove.error ? <Alert variant="inline">{(refresh.error ?? remove.error)!.message}</Alert> : null}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm lg:grid-cols-4">
        <Detail term={server.transport === "stdio" ? "Variables" : "Headers"}>
          {(server.transport === "stdio" ? server.envNames : server.headerNames).join(", ") || "none"}
        </Detail>
        <Detail term="Last checked">
          <span title={formatAbsolute(server.lastCheckedAt)}>
            {server.lastCheckedAt ? formatRelative(server.lastCheckedAt, Math.max(now, server.lastCheckedAt.getTime())) : "never"}
          </span>
        </Detail>
        <Detail term="Server">
          {server.discovery?.server ? `${server.discovery.server.name} ${server.discovery.server.version}` : "unknown"}
        </Detail>
        <Detail term="Tool names">
          <span className="font-mono text-xs">mcp_{server.slug}_…</span>
        </Detail>
        <Detail term="Price per call">
          <span data-testid="mcp-server-price">
            {server.callCostUsd && Number(server.callCostUsd) > 0 ? formatPrice(Number(server.callCostUsd)) : "free"}
          </span>
        </Detail>
        <Detail term="Time limit per call">
          <span data-testid="mcp-server-timeout">{server.callTimeoutSeconds.toLocaleString("en-US")} s</span>
        </Detail>
      </dl>
      {server.discovery ? (
        <McpDiscoveryLists discovery={server.discovery} />
      ) : (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {canManage ? "Refresh to connect and list its tools, resources and prompts." : "Not checked yet."}
        </p>
      )}
    </li>
  );
}

function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{term}</dt>
      <dd className="break-words">{children}</dd>
    </div>
  );
}
