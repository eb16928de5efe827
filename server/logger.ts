import pino from "pino";
import { env } from "./env";

/** Structured JSON logs on stdout, one object a line; callers add agentId, runId and friends as fields. */
export const logger = pino({
  level: env.LOG_LEVEL,
  base: { service: "longhaul" },
  timestamp: pino.stdTimeFunctions.isoTime,
  serializers: { err: pino.stdSerializers.err },
});
