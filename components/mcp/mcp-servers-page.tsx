"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { MCP_OAUTH_RETURN_MESSAGES, toolCount, type McpOAuthReturn } from "~/shared/mcp-servers";
import { ROLE_WITH_ARTICLE } from "../teams/roles";
import { TeamNav } from "../teams/team-nav";
import { usePermissions } from "../teams/use-permissions";
import { useTRPC } from "../trpc/react";
import { Notice } from "../ui/alert";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { PageHeader } from "../ui/page-header";
import { Panel } from "../ui/panel";
import { QuerySection, RefreshError } from "../ui/query-section";
import { SkeletonGroup } from "../ui/skeleton";
import { useNow } from "../ui/use-now";
import { McpServerCard } from "./mcp-server-card";
import { McpServerForm } from "./mcp-server-form";

/**
 * Team → MCP servers: the tool servers the team has added, whether each was up when last checked, and
 * the tools, resources and prompts it offers. Everyone in the team sees them (never a header's or a
 * variable's value); admins and owners add, refresh and delete them. Agents do not use them yet.
 */
export function McpServersPage({ oauthReturn = null }: { oauthReturn?: { code: McpOAuthReturn; serverId: string | null } | null }) {
  const trpc = useTRPC();
  const now = useNow(30_000);
  const permissions = usePermissions();
  const servers = useQuery(trpc.mcp.list.queryOptions(undefined, { retry: false }));
  const [isAdding, setAdding] = useState(false);
  const { role } = permissions;
  const canManage = permissions.can("mcp:manage");

  return (
    <div className="space-y-6">
      <PageHeader
        title="MCP servers"
        description="Tool servers that speak the Model Context Protocol: what each one offers, and whether it answered when last checked."
        actions={
          canManage && !isAdding ? (
            <Button type="button" onClick={() => setAdding(true)}>
              Add MCP server
            </Button>
          ) : undefined
        }
      />
      <TeamNav />
      {oauthReturn ? <OAuthReturnNotice {...oauthReturn} servers={servers.data ?? []} /> : null}
      {role && !canManage ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="mcp-read-only">
          You are {ROLE_WITH_ARTICLE[role]} here: you can see the servers and their tools. Admins and owners add, refresh and delete them.
        </p>
      ) : null}
      {isAdding ? (
        <Panel
          title="Add an MCP server"
          description="A remote server by its URL, or a command run on this host. Header and variable values are never shown again."
        >
          <McpServerForm onDone={() => setAdding(false)} />
        </Panel>
      ) : null}
      <section aria-label="MCP servers" className="space-y-3">
        <RefreshError query={servers} />
        <QuerySection
          query={servers}
          what="The MCP servers"
          loading={<SkeletonGroup label="Loading MCP servers" count={2} className="space-y-4" itemClassName="h-40 rounded-xl" />}
          isEmpty={(list) => list.length === 0}
          empty={
            <EmptyState title="No MCP servers yet" data-testid="mcp-empty">
              {canManage
                ? "Add a server by its URL (Streamable HTTP or HTTP+SSE), or a local command if this instance allows them."
                : "An admin or owner of the team adds them."}
            </EmptyState>
          }
        >
          {(list) => (
            <ul className="space-y-4" aria-label="MCP server list">
              {list.map((server) => (
                <McpServerCard key={server.id} server={server} canManage={canManage} now={now} />
              ))}
            </ul>
          )}
        </QuerySection>
      </section>
    </div>
  );
}

/** How the last OAuth sign-in ended, worded here from its code (a failure's reason is the server's own). */
function OAuthReturnNotice({
  code,
  serverId,
  servers,
}: {
  code: McpOAuthReturn;
  serverId: string | null;
  servers: { id: string; name: string; authError: string | null; discovery: { tools: unknown[] } | null }[];
}) {
  const server = serverId ? servers.find((s) => s.id === serverId) : undefined;
  const text =
    code === "connected" && server
      ? `Signed in to ${server.name}: ${toolCount(server.discovery?.tools.length ?? 0)}.`
      : code === "failed" && server?.authError
        ? `The sign-in to ${server.name} did not succeed: ${server.authError}`
        : MCP_OAUTH_RETURN_MESSAGES[code];
  return (
    <div data-testid="mcp-oauth-return">
      <Notice message={{ kind: code === "connected" ? "ok" : "error", text }} />
    </div>
  );
}
