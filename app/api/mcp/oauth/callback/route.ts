import { NextResponse } from "next/server";
import { createTRPCContext } from "~/server/api/trpc";
import { errorResponse } from "~/server/http/responses";
import { finishOAuth, oauthReturnUrl, signInFirstUrl } from "~/server/mcp/oauth";

/**
 * Where an MCP server's authorization server sends the browser back after an OAuth sign-in (the
 * redirect URL Longhaul registers, from APP_URL). The signed-in admin who pressed Connect finishes it;
 * server/mcp/oauth.ts checks the state and exchanges the code, and the browser lands on the MCP servers
 * page with the outcome.
 */
export async function GET(req: Request) {
  try {
    const params = new URL(req.url).searchParams;
    const { user } = await createTRPCContext({ headers: req.headers });
    if (!user) return NextResponse.redirect(signInFirstUrl(params));
    const outcome = await finishOAuth({
      userId: user.id,
      state: params.get("state"),
      code: params.get("code"),
      error: params.get("error"),
      errorDescription: params.get("error_description"),
    });
    return NextResponse.redirect(oauthReturnUrl(outcome));
  } catch (error) {
    return errorResponse(error, "MCP OAuth callback");
  }
}
