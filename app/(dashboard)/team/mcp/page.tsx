import { McpServersPage } from "~/components/mcp/mcp-servers-page";

export const metadata = { title: "MCP servers" };

export default function TeamMcpServersPage() {
  return <McpServersPage />;
}
