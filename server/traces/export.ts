import "server-only";
import { db } from "../db/client";
import { notFound } from "../errors";
import { cycleTraceToOtlp } from "./otlp";
import { getCycleTrace } from "./read";

/** A cycle's trace as OTLP/JSON, inside the caller's team. */
export async function exportCycleTrace({ teamId, agentId, cycle }: { teamId: string; agentId: string; cycle: number }) {
  const agent = await db.agent.findFirst({ where: { id: agentId, teamId }, select: { name: true } });
  if (!agent) throw notFound("That agent");
  return cycleTraceToOtlp(await getCycleTrace({ teamId, agentId, cycle }), agent);
}
