import "server-only";
import { db } from "../db/client";
import type { Delegation } from "./start";

/** The children a waiting delegate call waits for (and which of them have not ended yet); null for any other result. */
export async function awaitedChildren(
  toolName: string,
  result: unknown,
  teamId: string,
): Promise<{ childIds: string[]; pending: string[]; waitUntil: string } | null> {
  if (toolName !== "delegate") return null;
  const delegation = result as Partial<Delegation> | null;
  if (delegation?.mode !== "wait" || !delegation.waitUntil || !Array.isArray(delegation.children)) return null;
  const childIds = delegation.children.map((c) => c.id);
  const settled = await db.agent.findMany({
    where: { id: { in: childIds }, teamId, delegationSettledAt: { not: null } },
    select: { id: true },
  });
  const done = new Set(settled.map((c) => c.id));
  return { childIds, pending: childIds.filter((id) => !done.has(id)), waitUntil: delegation.waitUntil };
}
