import "server-only";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { db } from "../db/client";
import { notFound } from "../errors";
import { exportAgentLines, exportFileName } from "./export";
import { importAgent } from "./import";

/**
 * Export and import as HTTP answers, for the dashboard's download and upload routes and the public
 * API's (the caller is already known and allowed; these only do the work).
 */
export async function exportResponse({ teamId, userId, agentId }: { teamId: string; userId: string; agentId: string }) {
  if (!z.uuid().safeParse(agentId).success) throw notFound("That agent");
  const lines = exportAgentLines({ teamId, agentId });
  // The first line is read before answering, so "not found" is a 404, not a broken download.
  const first = await lines.next();
  const agent = await db.agent.findFirstOrThrow({ where: { id: agentId, teamId }, select: { name: true } });
  await recordAudit(db, { teamId, actorId: userId, action: "agent.export", targetId: agentId });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(`${JSON.stringify(first.value)}\n`));
    },
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(agent.name)}"`,
      "cache-control": "no-store",
    },
  });
}

export async function importResponse({ teamId, userId, text }: { teamId: string; userId: string; text: string }) {
  const result = await importAgent({ teamId, userId, text });
  return Response.json(result, { status: 201 });
}
