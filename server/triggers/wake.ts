import "server-only";
import { z } from "zod";

/**
 * The `if` of an agent's cooldown wait: a wake for this agent, other than the one that ended the
 * previous cooldown. The executor also matches events that arrived shortly before a wait began
 * (docs/decisions/005), so without the exclusion one wake would cut two cooldowns short. Both ids
 * are checked as UUIDs before they enter the expression.
 */
export function cooldownWakeCondition(agentId: string, previousWakeId: string | null): string {
  const agent = z.uuid().parse(agentId);
  const base = `async.data.agentId == "${agent}"`;
  if (!previousWakeId) return base;
  return `${base} && async.data.wakeId != "${z.uuid().parse(previousWakeId)}"`;
}
