import { env } from "~/server/env";
import { createMetricsReader, serveMetrics } from "~/server/operations/metrics";

// This route's reader: its memo keeps one sum of the spend ledger for a minute of scrapes.
const reader = createMetricsReader();

export const GET = (request: Request) => serveMetrics(request, { token: env.METRICS_TOKEN, reader });
