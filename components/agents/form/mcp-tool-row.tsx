import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { APPROVAL_POLICIES } from "~/shared/tool-catalog";
import { Badge } from "../../ui/badge";
import type { McpToolState } from "./form-state";
import { POLICY_LABELS } from "./tools-section";

/** The team's servers with their tools, as `mcp.agentTools` returns them. */
export type McpServerTools = inferRouterOutputs<AppRouter>["mcp"]["agentTools"][number];
export type McpAgentTool = McpServerTools["tools"][number];

const HINTS = [
  ["readOnlyHint", "read-only", "sky"],
  ["destructiveHint", "destructive", "orange"],
  ["idempotentHint", "idempotent", "sky"],
  ["openWorldHint", "open world", "neutral"],
] as const;

/** Why a tool starts at its policy (shared/mcp-servers.ts defaultMcpApproval), in the server's own terms. */
function defaultReason(tool: McpAgentTool): string {
  const label = POLICY_LABELS[tool.defaultApproval].toLowerCase();
  if (tool.annotations.destructiveHint === true) return `Default: ${label}, as the server marks it destructive.`;
  if (tool.annotations.readOnlyHint === true) return `Default: ${label}, as the server marks it read-only.`;
  return `Default: ${label}, as the server marks it neither read-only nor destructive.`;
}

/** Descriptions longer than this are clipped to two lines, the rest one click away. */
const CLIP_CHARS = 160;

/** One MCP tool on the agent form: on or off, its approval policy (and why it starts there), what it does, its input schema. */
export function McpToolRow({
  tool,
  setting,
  onChange,
}: {
  tool: McpAgentTool;
  /** Its setting on this agent: stored or set here, else off at its default policy. */
  setting: McpToolState;
  onChange: (change: Partial<McpToolState>) => void;
}) {
  const id = `mcp-tool-${tool.exposedName}`;
  const label = tool.title ?? tool.name;
  return (
    <li
      className="grid grid-cols-[auto_minmax(0,1fr)] items-start gap-x-3 gap-y-2 px-4 py-3 sm:grid-cols-[auto_minmax(0,1fr)_auto]"
      data-testid="mcp-agent-tool"
      data-name={tool.exposedName}
      data-enabled={setting.enabled}
    >
      <input
        id={id}
        type="checkbox"
        checked={setting.enabled}
        onChange={(e) => onChange({ enabled: e.target.checked })}
        className="accent-brand-600 mt-0.5 size-4"
      />
      <div className="min-w-0 space-y-1 text-sm">
        <label htmlFor={id} className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-medium break-words">{label}</span>
          <span className="font-mono text-xs break-all text-zinc-500 dark:text-zinc-400">{tool.exposedName}</span>
          {HINTS.filter(([key]) => tool.annotations[key] === true).map(([key, text, tone]) => (
            <Badge key={key} tone={tone}>
              {text}
            </Badge>
          ))}
        </label>
        {tool.description ? <Description text={tool.description} /> : null}
        <details className="text-xs">
          <summary className="cursor-pointer text-zinc-500 dark:text-zinc-400">Input schema</summary>
          <pre className="mt-1 max-h-72 overflow-auto rounded bg-zinc-50 p-2 dark:bg-zinc-950" data-testid="mcp-tool-schema">
            {JSON.stringify(tool.inputSchema, null, 2)}
          </pre>
        </details>
      </div>
      <div className="col-start-2 space-y-1 sm:col-start-3 sm:max-w-56 sm:text-right">
        <select
          aria-label={`Approval for ${label}`}
          value={setting.approval}
          disabled={!setting.enabled}
          onChange={(e) => onChange({ approval: e.target.value as McpToolState["approval"] })}
          className="w-full rounded-md border-0 bg-white py-1 pr-8 pl-2 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-50 sm:w-auto dark:bg-zinc-900 dark:ring-zinc-700"
        >
          {APPROVAL_POLICIES.map((p) => (
            <option key={p} value={p}>
              {POLICY_LABELS[p]}
            </option>
          ))}
        </select>
        <p className="text-xs text-zinc-500 dark:text-zinc-400" data-testid="mcp-tool-default">
          {defaultReason(tool)}
        </p>
      </div>
    </li>
  );
}

/** The server's description, as its text: clipped to two lines when long, opened in place. */
function Description({ text }: { text: string }) {
  if (text.length <= CLIP_CHARS) return <p className="break-words text-zinc-600 dark:text-zinc-400">{text}</p>;
  return (
    <details className="group text-zinc-600 dark:text-zinc-400">
      <summary className="cursor-pointer list-none [&::-webkit-details-marker]:hidden">
        <span className="line-clamp-2 break-words whitespace-pre-wrap group-open:line-clamp-none">{text}</span>
        <span className="text-brand-700 dark:text-brand-400 text-xs font-medium">
          <span className="group-open:hidden">Show the whole description</span>
          <span className="hidden group-open:inline">Show less</span>
        </span>
      </summary>
    </details>
  );
}
