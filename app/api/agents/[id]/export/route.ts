import { errorResponse } from "~/server/http/responses";
import { exportResponse } from "~/server/transfer/http";
import { callerOf } from "~/server/api/request";

/** An agent's full history as a JSON Lines download (any member of its team, viewers included). */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const { id } = await params;
    const { user, team } = await callerOf(req.headers, "agent:view");
    return await exportResponse({ teamId: team.id, userId: user.id, agentId: id });
  } catch (error) {
    return errorResponse(error, "agent export");
  }
}
