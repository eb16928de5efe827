import { z } from "zod";
import { db } from "~/server/db/client";
import { notFound } from "~/server/errors";
import { errorResponse } from "~/server/http/responses";
import { exportAgentLines, exportFileName } from "~/server/transfer/export";
import { callerOf } from "~/server/api/request";
import { recordAudit } from "~/server/audit/record";

/** An agent's full history as a JSON Lines download (any member of its team, viewers included). */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const { id } = await params;
    const { user, team } = await callerOf(req.headers, "agent:view");
    if (!z.uuid().safeParse(id).success) throw notFound("That agent");
    const lines = exportAgentLines({ teamId: team.id, agentId: id });
    // The first line is read before answering, so "not found" is a 404, not a broken download.
    const first = await lines.next();
    const agent = await db.agent.findFirstOrThrow({ where: { id, teamId: team.id }, select: { name: true } });
    await recordAudit(db, { teamId: team.id, actorId: user.id, action: "agent.export", targetId: id });
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
  } catch (error) {
    return errorResponse(error, "agent export");
  }
}
