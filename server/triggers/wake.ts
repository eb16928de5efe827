import "server-only";
import { z } from "zod";

/**
 * The `if` of an agent's cooldown wait: a wake for this agent, other than the one that ended the
 * previous cooldown (a wait hears only events sent after it began, docs/decisions/025, so the
 * exclusion only guards against a re-delivered event). Both ids are checked as UUIDs before they
 * enter the expression.
 */
export function cooldownWakeCondition(agentId: string, previousWakeId: string | null): string {
  const agent = z.uuid().parse(agentId);
  const base = `async.data.agentId == "${agent}"`;
  if (!previousWakeId) return base;
  return `${base} && async.data.wakeId != "${z.uuid().parse(previousWakeId)}"`;
}
