import { env } from "~/server/env";
import { errorResponse } from "~/server/http/responses";
import { crossOriginResponse, isCrossOriginWrite } from "~/server/security/same-origin";
import { importLimits } from "~/server/transfer/import";
import { importResponse } from "~/server/transfer/http";
import { callerOf, readBodyLimited } from "~/server/api/request";

/** Imports an export (the JSON Lines body) into the caller's team as a read-only archived agent. Members and above. */
export async function POST(req: Request) {
  if (isCrossOriginWrite(req, env.APP_URL)) return crossOriginResponse();
  try {
    const { user, team } = await callerOf(req.headers, "agent:create");
    const text = await readBodyLimited(req, importLimits().maxBytes);
    return await importResponse({ teamId: team.id, userId: user.id, text });
  } catch (error) {
    return errorResponse(error, "agent import");
  }
}
