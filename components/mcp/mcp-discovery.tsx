"use client";

import type { McpDiscovery } from "~/shared/mcp-servers";
import { Badge } from "../ui/badge";

const HINTS = [
  ["readOnlyHint", "read-only"],
  ["destructiveHint", "destructive"],
  ["idempotentHint", "idempotent"],
  ["openWorldHint", "open world"],
] as const;

/** What a server offers: its tools (each with its annotations and its input schema), resources and prompts. */
export function McpDiscoveryLists({ discovery }: { discovery: McpDiscovery }) {
  return (
    <div className="space-y-4">
      <section aria-label="Tools" className="space-y-2">
        <h4 className="text-sm font-semibold">Tools ({discovery.tools.length})</h4>
        <ul
          className="divide-y divide-zinc-100 rounded-md ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800"
          data-testid="mcp-tools"
        >
          {discovery.tools.map((tool) => (
            <li key={tool.name} className="space-y-1 px-3 py-2 text-sm" data-testid="mcp-tool" data-name={tool.name}>
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-mono font-medium">{tool.name}</span>
                {HINTS.filter(([key]) => tool.annotations?.[key] === true).map(([key, label]) => (
                  <Badge key={key} tone={key === "destructiveHint" ? "orange" : "sky"}>
                    {label}
                  </Badge>
                ))}
              </div>
              {tool.description ? <p className="text-zinc-600 dark:text-zinc-400">{tool.description}</p> : null}
              <details>
                <summary className="cursor-pointer text-xs text-zinc-500 dark:text-zinc-400">
                  Input schema · shown to a model as <span className="font-mono">{tool.exposedName}</span>
                </summary>
                <pre className="mt-1 max-h-72 overflow-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-900">
                  {JSON.stringify(tool.inputSchema, null, 2)}
                </pre>
              </details>
            </li>
          ))}
        </ul>
      </section>
      <div className="grid gap-4 sm:grid-cols-2">
        <section aria-label="Resources" className="space-y-1 text-sm">
          <h4 className="font-semibold">Resources ({discovery.resources.length + discovery.resourceTemplates.length})</h4>
          <ul className="space-y-0.5 text-zinc-600 dark:text-zinc-400">
            {discovery.resources.slice(0, 20).map((resource) => (
              <li key={resource.uri} className="break-all">
                {resource.name} <span className="font-mono text-xs">{resource.uri}</span>
              </li>
            ))}
            {discovery.resourceTemplates.map((template) => (
              <li key={template.uriTemplate} className="break-all">
                {template.name} <span className="font-mono text-xs">{template.uriTemplate}</span>
              </li>
            ))}
            {discovery.resources.length > 20 ? <li>and {discovery.resources.length - 20} more</li> : null}
          </ul>
        </section>
        <section aria-label="Prompts" className="space-y-1 text-sm">
          <h4 className="font-semibold">Prompts ({discovery.prompts.length})</h4>
          <ul className="space-y-0.5 text-zinc-600 dark:text-zinc-400">
            {discovery.prompts.map((prompt) => (
              <li key={prompt.name}>
                <span className="font-mono">{prompt.name}</span>
                {prompt.description ? `: ${prompt.description}` : ""}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
