"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { can } from "~/shared/roles";
import { useTRPC } from "../../trpc/react";
import { Alert } from "../../ui/alert";
import { Badge, type BadgeTone } from "../../ui/badge";
import { formatPrice } from "../../ui/format";
import { QuerySection } from "../../ui/query-section";
import { SkeletonGroup } from "../../ui/skeleton";
import type { McpToolState } from "./form-state";
import { McpToolRow, type McpAgentTool, type McpServerTools } from "./mcp-tool-row";
import type { AgentFormApi } from "./use-agent-form";

const STATUS: Record<McpServerTools["status"], { label: string; tone: BadgeTone }> = {
  up: { label: "Up", tone: "green" },
  down: { label: "Down", tone: "red" },
  unknown: { label: "Not checked yet", tone: "neutral" },
};

const SMALL_BUTTON =
  "rounded-md px-2 py-1 text-xs font-semibold ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 disabled:cursor-not-allowed disabled:opacity-50 dark:ring-zinc-700 dark:hover:bg-zinc-800";

const offOf = (tool: McpAgentTool): McpToolState => ({ name: tool.exposedName, enabled: false, approval: tool.defaultApproval });

/**
 * The tools of the team's MCP servers (mcp.agentTools), server by server: each on or off with its
 * approval policy (starting from what the server's annotations suggest), and the agent's stored MCP
 * tools that no server offers any more, to turn off or remove (the server refuses an enabled one).
 */
export function McpToolsSection({ form }: { form: AgentFormApi }) {
  const trpc = useTRPC();
  const servers = useQuery(trpc.mcp.agentTools.queryOptions(undefined, { refetchOnWindowFocus: false }));
  const { values, setMcpTools } = form;
  const settingOf = (tool: McpAgentTool) => values.mcpTools.find((t) => t.name === tool.exposedName) ?? offOf(tool);
  const offered = new Set((servers.data ?? []).flatMap((s) => s.tools.map((t) => t.exposedName)));
  const stale = servers.data ? values.mcpTools.filter((t) => !offered.has(t.name)) : [];
  // The server's refusal of an MCP tool that no server offers lands on `tools` (shown here when MCP tools are set).
  const toolsError = values.mcpTools.length > 0 && form.errorFor("tools") && !form.errorUnder("tools.") ? form.errorFor("tools") : null;

  return (
    <fieldset data-testid="mcp-tools-section">
      <legend className="text-base font-semibold">MCP tools</legend>
      <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
        Tools of your team&apos;s MCP servers. Each starts off, at a policy chosen from the hints its server gives (read-only, destructive):
        hints, not guarantees.
      </p>
      {toolsError ? (
        <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400" data-field-error="agent-mcp-tools">
          {toolsError}
        </p>
      ) : null}
      <div className="mt-3 space-y-4">
        <QuerySection
          query={servers}
          what="The team's MCP tools"
          loading={<SkeletonGroup label="Loading MCP tools" count={1} itemClassName="h-24 rounded-lg" />}
          isEmpty={(list) => list.length === 0}
          empty={<NoServers form={form} />}
        >
          {(list) =>
            list.map((server) => (
              <ServerTools
                key={server.serverId}
                server={server}
                settingOf={settingOf}
                onChange={(tools, change) => setMcpTools(tools.map((tool) => ({ name: tool.exposedName, base: offOf(tool), change })))}
              />
            ))
          }
        </QuerySection>
        {stale.length > 0 ? <StaleTools stale={stale} form={form} /> : null}
      </div>
    </fieldset>
  );
}

function NoServers({ form }: { form: AgentFormApi }) {
  const canManage = form.role !== null && can(form.role, "mcp:manage");
  return (
    <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="mcp-tools-none">
      {canManage ? (
        <>
          This team has no MCP servers yet.{" "}
          <Link href="/team/mcp" className="text-brand-700 dark:text-brand-400 font-medium underline underline-offset-2">
            Add one on Team → MCP servers
          </Link>{" "}
          and its tools show up here.
        </>
      ) : (
        "This team has no MCP servers yet; an admin or owner can add them on Team → MCP servers."
      )}
    </p>
  );
}

function ServerTools({
  server,
  settingOf,
  onChange,
}: {
  server: McpServerTools;
  settingOf: (tool: McpAgentTool) => McpToolState;
  onChange: (tools: McpAgentTool[], change: Partial<McpToolState>) => void;
}) {
  const status = STATUS[server.status];
  const headingId = `mcp-server-${server.slug}`;
  const enabledCount = server.tools.filter((t) => settingOf(t).enabled).length;
  return (
    <section
      aria-labelledby={headingId}
      className="rounded-lg ring-1 ring-zinc-200 dark:ring-zinc-800"
      data-testid="mcp-server-tools"
      data-slug={server.slug}
      data-status={server.status}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-zinc-100 px-4 py-2.5 dark:border-zinc-800">
        <h3 id={headingId} className="min-w-0 text-sm font-semibold break-words">
          {server.serverName}
        </h3>
        <Badge tone={status.tone}>{status.label}</Badge>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">
          {server.tools.length === 0
            ? "no tools"
            : `${enabledCount} of ${server.tools.length} ${server.tools.length === 1 ? "tool" : "tools"} on`}
          {server.callCostUsd ? ` · ${formatPrice(Number(server.callCostUsd))} a call` : ""}
        </span>
        {server.tools.length > 0 ? (
          <span className="ml-auto flex gap-2">
            <button
              type="button"
              className={SMALL_BUTTON}
              disabled={enabledCount === server.tools.length}
              onClick={() => onChange(server.tools, { enabled: true })}
            >
              Enable all<span className="sr-only"> tools of {server.serverName}</span>
            </button>
            <button
              type="button"
              className={SMALL_BUTTON}
              disabled={enabledCount === 0}
              onClick={() => onChange(server.tools, { enabled: false })}
            >
              Disable all<span className="sr-only"> tools of {server.serverName}</span>
            </button>
          </span>
        ) : null}
      </div>
      {server.status === "down" ? (
        <Alert variant="inline" className="mx-4 mt-3" data-testid="mcp-server-down">
          {server.serverName} is down{server.lastError ? `: ${server.lastError}` : "."} Its tools can still be set here, but the model is
          not offered them while the server is down.
        </Alert>
      ) : null}
      {server.tools.length === 0 ? (
        <p className="px-4 py-3 text-sm text-zinc-600 dark:text-zinc-400">
          {server.status === "unknown"
            ? "Not checked yet: refresh it on Team → MCP servers to list its tools."
            : "It listed no tools when last checked."}
        </p>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label={`Tools of ${server.serverName}`}>
          {server.tools.map((tool) => (
            <McpToolRow key={tool.exposedName} tool={tool} setting={settingOf(tool)} onChange={(change) => onChange([tool], change)} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** Stored MCP tools that no server of the team lists now (server removed or the tool gone): turn off or remove. */
function StaleTools({ stale, form }: { stale: McpToolState[]; form: AgentFormApi }) {
  const set = (tool: McpToolState, change: Partial<McpToolState> | null) => form.setMcpTools([{ name: tool.name, base: tool, change }]);
  return (
    <section
      aria-labelledby="mcp-stale-heading"
      className="rounded-lg bg-amber-50/60 ring-1 ring-amber-200 dark:bg-amber-950/30 dark:ring-amber-900"
      data-testid="mcp-stale-tools"
    >
      <div className="px-4 py-2.5">
        <h3 id="mcp-stale-heading" className="text-sm font-semibold">
          No longer offered
        </h3>
        <p className="text-xs text-amber-900 dark:text-amber-200">
          Set on this agent, but no MCP server of the team lists these now (the server was removed, or dropped the tool). An enabled one is
          refused when saving: turn it off or remove it.
        </p>
      </div>
      <ul className="divide-y divide-amber-200/70 border-t border-amber-200/70 dark:divide-amber-900 dark:border-amber-900">
        {stale.map((tool) => (
          <li key={tool.name} className="flex flex-wrap items-center gap-3 px-4 py-2.5" data-testid="mcp-stale-tool" data-name={tool.name}>
            <input
              id={`mcp-stale-${tool.name}`}
              type="checkbox"
              checked={tool.enabled}
              // Only off: turning on a tool no server offers would be refused.
              disabled={!tool.enabled}
              onChange={(e) => set(tool, { enabled: e.target.checked })}
              className="accent-brand-600 size-4"
            />
            <label htmlFor={`mcp-stale-${tool.name}`} className="min-w-0 flex-1 text-sm">
              <span className="font-mono text-xs break-all">{tool.name}</span>{" "}
              <span className="text-xs text-zinc-600 dark:text-zinc-400">{tool.enabled ? "enabled" : "off"}</span>
            </label>
            <button type="button" className={SMALL_BUTTON} onClick={() => set(tool, null)}>
              Remove<span className="sr-only"> {tool.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
