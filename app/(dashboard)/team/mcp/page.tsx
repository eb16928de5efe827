import { McpServersPage } from "~/components/mcp/mcp-servers-page";
import { MCP_OAUTH_RETURNS, type McpOAuthReturn } from "~/shared/mcp-servers";

export const metadata = { title: "MCP servers" };

/** ?oauth=<code>&server=<id>: where /api/mcp/oauth/callback sends the browser back after a sign-in. */
export default async function TeamMcpServersPage({
  searchParams,
}: {
  searchParams: Promise<{ oauth?: string | string[]; server?: string | string[] }>;
}) {
  const { oauth, server } = await searchParams;
  const code = MCP_OAUTH_RETURNS.find<McpOAuthReturn>((known): known is McpOAuthReturn => known === oauth);
  return <McpServersPage oauthReturn={code ? { code, serverId: typeof server === "string" ? server : null } : null} />;
}
