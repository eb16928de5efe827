import { DELEGATION_LIMITS } from "~/shared/delegation";
import { Field, Input } from "../../ui/field";
import type { ToolState } from "./form-state";
import type { AgentFormApi } from "./use-agent-form";

const HOURS = DELEGATION_LIMITS.defaultTimeoutSeconds / 3600;

/**
 * The `delegate` tool's own settings (issue 23): how many children may run at once and how long a waiting
 * call waits for them; left empty, the defaults apply. The schema (shared/delegation.ts) judges what is typed.
 */
export function DelegateSettings({ form, index, setting }: { form: AgentFormApi; index: number; setting: ToolState }) {
  const maxError = form.errorUnder(`tools.${index}.maxChildren`);
  const timeoutError = form.errorUnder(`tools.${index}.timeoutSeconds`);
  return (
    <div className="w-full space-y-3" data-testid="delegate-settings">
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Children get at most this agent&apos;s tools, and a budget carved out of its own. A tree is at most {DELEGATION_LIMITS.maxDepth}{" "}
        levels deep: a child at depth {DELEGATION_LIMITS.maxDepth} cannot delegate again.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id={`agent-delegate-maxChildren`}
          label="Children at once"
          error={maxError}
          hint={`Empty: ${DELEGATION_LIMITS.defaultMaxChildren}. At most ${DELEGATION_LIMITS.maxChildrenCap}.`}
        >
          <Input
            id="agent-delegate-maxChildren"
            inputMode="numeric"
            value={setting.maxChildrenText}
            invalid={!!maxError}
            onChange={(e) => form.setDelegateSetting(index, { maxChildrenText: e.target.value })}
          />
        </Field>
        <Field
          id="agent-delegate-timeoutSeconds"
          label="Wait for children (seconds)"
          error={timeoutError}
          hint={`Empty: ${DELEGATION_LIMITS.defaultTimeoutSeconds} (${HOURS} hour). From ${DELEGATION_LIMITS.minTimeoutSeconds} seconds to 7 days; children still running then are stopped.`}
        >
          <Input
            id="agent-delegate-timeoutSeconds"
            inputMode="numeric"
            value={setting.timeoutText}
            invalid={!!timeoutError}
            onChange={(e) => form.setDelegateSetting(index, { timeoutText: e.target.value })}
          />
        </Field>
      </div>
    </div>
  );
}
