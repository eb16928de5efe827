import { env } from "~/server/env";
import { serveMetrics } from "~/server/operations/metrics";

export const GET = (request: Request) => serveMetrics(request, { token: env.METRICS_TOKEN });
