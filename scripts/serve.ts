/**
 * Serves the Next.js app through Longhaul's HTTP front (server/http/app-server.ts), which settles each
 * request's client address before Next sees it (docs/decisions/020). Next's documented custom-server
 * API: `next({ dev, hostname, port, dir })` and its request handler on a node:http server. It replaces
 * `next start` / `next dev` everywhere the app runs: `npm start` and `npm run dev` (scripts/run.ts),
 * the end-to-end tests (playwright.config.ts) and the browser benchmark.
 *
 *   node --conditions=react-server --import tsx scripts/serve.ts [--dev]   # HOST, PORT, TRUSTED_PROXIES, the app's settings
 *
 * SIGTERM/SIGINT: stop taking connections, let requests in flight finish (5 s at most: live timelines are
 * open event streams), close the open MCP connections (local servers are stopped), close Next, exit.
 */
import path from "node:path";

const isDev = process.argv.includes("--dev");
// Before Next or the environment schema load: both read it (production unless --dev, as `next start` does).
if (!process.env.NODE_ENV) Object.assign(process.env, { NODE_ENV: isDev ? "development" : "production" });
process.env.NEXT_TELEMETRY_DISABLED = "1";

const { env } = await import("../server/env");
const { createAppServer } = await import("../server/http/app-server");
const { closeMcpPoolOnShutdown } = await import("../server/mcp/pool-global");
const { default: next } = await import("next");

const dir = path.resolve(import.meta.dirname, "..");
const app = next({ dev: isDev, hostname: env.HOST, port: env.PORT, dir });
await app.prepare();
const handle = app.getRequestHandler();
const server = createAppServer({ handle: (req, res) => handle(req, res), trustedProxies: env.TRUSTED_PROXIES });
// (In development, Next attaches its hot-reload WebSocket to this server at the first request.)

server.listen(env.PORT, env.HOST, () => {
  const proxies = env.TRUSTED_PROXIES.length > 0 ? `trusting X-Forwarded-For from ${env.TRUSTED_PROXIES.join(", ")}` : "no trusted proxies";
  console.log(`[longhaul] App listening on http://${env.HOST}:${env.PORT} (${isDev ? "development" : "production"}, ${proxies}).`);
});

let isStopping = false;
function stop(signal: NodeJS.Signals) {
  if (isStopping) return;
  isStopping = true;
  const forced = setTimeout(() => {
    console.error(`[longhaul] Requests still open 5 s after ${signal}; closing them.`);
    server.closeAllConnections();
  }, 5_000);
  forced.unref();
  server.close(() => {
    void closeMcpPoolOnShutdown()
      .catch(() => undefined)
      .then(() => app.close())
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
  // Idle keep-alive connections would hold close() open.
  server.closeIdleConnections();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
