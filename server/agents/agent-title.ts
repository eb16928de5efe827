import "server-only";
import { db } from "../db/client";

/** An agent's name for its page's title, found in the active team only (null otherwise: the title stays generic). */
export async function getAgentTitle({ agentId, teamId }: { agentId: string; teamId: string | null }): Promise<string | null> {
  if (!teamId || !/^[0-9a-f-]{36}$/i.test(agentId)) return null;
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { name: true } });
  return agent?.name ?? null;
}
