/**
 * The app's Inngest functions in a process of their own, for the fault-injection suite
 * (tests/chaos/run.ts), which SIGKILLs and restarts it: the same functions and server modules that
 * `app/api/inngest/route.ts` serves inside Next.js, served by `inngest/node` on
 *   http://127.0.0.1:<PORT>/api/inngest
 * Environment: DATABASE_URL, INNGEST_DEV (the executor), PORT, and the app's own settings.
 */
import http from "node:http";
import type { InngestFunction } from "inngest";
import { serve } from "inngest/node";

const { inngest } = await import("../../inngest/client");
const { functions } = await import("../../inngest");

const handler = serve({ client: inngest, functions: functions as InngestFunction.Any[] });
const server = http.createServer((req, res) => {
  if (req.url?.startsWith("/api/inngest")) return void handler(req, res);
  res.writeHead(404).end();
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log(`chaos-app ready (pid ${process.pid})`));
