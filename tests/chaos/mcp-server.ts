/**
 * The chaos suite's MCP server, killed at random like the app and the executor: the official SDK's
 * McpServer over its Streamable HTTP transport (stateless), with two slow tools whose effects the suite
 * can count afterwards, which no server on npm offers:
 * - `record` (not read-only, not idempotent: a call after a crash must never be repeated silently) appends
 *   `{agent, cycle}` to RECORD_FILE, after a random wait of up to 1.5 s;
 * - `lookup` (read-only, idempotent: the loop calls it again after a crash) answers after 1 s.
 *   PORT, RECORD_FILE
 */
import { appendFileSync } from "node:fs";
import http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const RECORD_FILE = process.env.RECORD_FILE!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function server() {
  const mcp = new McpServer({ name: "chaos-mcp", version: "1.0.0" });
  mcp.registerTool(
    "record",
    {
      description: "Records that an agent reached a cycle (a side effect: not safe to repeat).",
      inputSchema: { agent: z.number(), cycle: z.number() },
      annotations: { readOnlyHint: false, idempotentHint: false, destructiveHint: false },
    },
    async ({ agent, cycle }) => {
      await sleep(Math.random() * 1500);
      appendFileSync(RECORD_FILE, `${JSON.stringify({ agent, cycle })}\n`);
      return { content: [{ type: "text", text: `Recorded agent ${agent} at cycle ${cycle}.` }] };
    },
  );
  mcp.registerTool(
    "lookup",
    {
      description: "Looks a number up (read-only).",
      inputSchema: { n: z.number() },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    async ({ n }) => {
      await sleep(1000);
      return { content: [{ type: "text", text: `The square of ${n} is ${n * n}.` }] };
    },
  );
  return mcp;
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  if (req.method !== "POST") {
    res.writeHead(405).end();
    return;
  }
  let body = "";
  for await (const chunk of req) body += String(chunk);
  // Stateless: a server and a transport per request, as the SDK's stateless example does.
  const mcp = server();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, JSON.parse(body));
}

http
  .createServer((req, res) => void handle(req, res))
  .listen(Number(process.env.PORT), "127.0.0.1", () => console.log(`chaos MCP server listening on port ${process.env.PORT}`));
