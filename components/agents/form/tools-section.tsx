import { APPROVAL_POLICIES, HOST_LIMITED_TOOLS, TOOL_CATALOG } from "~/shared/tool-catalog";
import { Field, Input } from "../../ui/field";
import type { ToolState } from "./form-state";
import type { AgentFormApi } from "./use-agent-form";
import { DelegateSettings } from "./delegate-settings";

export const POLICY_LABELS: Record<(typeof APPROVAL_POLICIES)[number], string> = {
  never: "Run without asking",
  always: "Ask every time",
  first_time: "Ask the first time",
};

/** Each host-limited tool's allow-list field: its id (http_get's kept from before) and label. */
const HOSTS_FIELD: Record<string, { id: string; label: string }> = {
  http_get: { id: "agent-allowedHosts", label: "Hosts it may fetch from" },
  http_request: { id: "agent-allowedHosts-http_request", label: "Hosts it may send requests to" },
};

/** Which tools the agent may use, whether each needs a person's approval, and where the HTTP tools may go. */
export function ToolsSection({ form }: { form: AgentFormApi }) {
  const { errorFor, errorUnder, setTool } = form;
  return (
    <fieldset>
      <legend className="text-base font-semibold">Tools</legend>
      {errorFor("tools") && !errorUnder("tools.") && form.values.mcpTools.length === 0 ? (
        <p role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
          {errorFor("tools")}
        </p>
      ) : null}
      <ul className="mt-3 divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800">
        {TOOL_CATALOG.map((tool, index) => {
          const setting = form.values.tools[index]!;
          const hostsError = errorUnder(`tools.${index}.allowedHosts`);
          return (
            <li key={tool.name} className="flex flex-wrap items-center gap-3 px-4 py-3">
              <input
                id={`tool-${tool.name}`}
                type="checkbox"
                checked={setting.enabled}
                onChange={(e) => setTool(index, { enabled: e.target.checked })}
                className="accent-brand-600 size-4"
              />
              <label htmlFor={`tool-${tool.name}`} className="min-w-48 flex-1 text-sm">
                <span className="font-medium">{tool.label}</span>
                <span className="block text-xs text-zinc-500">{tool.description}</span>
              </label>
              {tool.name === "ask_human" ? (
                <span className="text-xs text-zinc-500">Always waits for an answer</span>
              ) : (
                <select
                  aria-label={`Approval for ${tool.label}`}
                  value={setting.approval}
                  disabled={!setting.enabled}
                  onChange={(e) => setTool(index, { approval: e.target.value as ToolState["approval"] })}
                  className="rounded-md border-0 bg-white py-1 pr-8 pl-2 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-50 dark:bg-zinc-900 dark:ring-zinc-700"
                >
                  {APPROVAL_POLICIES.map((p) => (
                    <option key={p} value={p}>
                      {POLICY_LABELS[p]}
                    </option>
                  ))}
                </select>
              )}
              {HOST_LIMITED_TOOLS.has(tool.name) && setting.enabled ? (
                <div className="w-full">
                  <Field
                    id={HOSTS_FIELD[tool.name]!.id}
                    label={HOSTS_FIELD[tool.name]!.label}
                    error={hostsError}
                    hint={
                      tool.name === "http_request"
                        ? "Comma-separated, e.g. api.github.com. Its own list: the hosts HTTP GET may fetch from are not added. Team secrets ({{secret:NAME}}) go only where this list allows."
                        : "Comma-separated, e.g. api.example.com, *.example.org. Nothing else can be reached, and private or loopback addresses only where this instance's operator allows them."
                    }
                  >
                    <Input
                      id={HOSTS_FIELD[tool.name]!.id}
                      value={setting.hostsText}
                      invalid={!!hostsError}
                      onChange={(e) => form.setAllowedHosts(index, e.target.value)}
                    />
                  </Field>
                </div>
              ) : null}
              {tool.name === "delegate" && setting.enabled ? <DelegateSettings form={form} index={index} setting={setting} /> : null}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
