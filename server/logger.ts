import "server-only";
import pino from "pino";
import { env } from "./env";

/**
 * Structured JSON logs, one object a line; callers add agentId, runId and friends as fields (the
 * loop logs through a child logger carrying agentId, teamId, runId and cycle). Stdout unless a
 * destination is given (tests capture lines that way).
 */
export function createLogger(destination?: pino.DestinationStream) {
  return pino(
    {
      level: env.LOG_LEVEL,
      base: { service: "longhaul" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

export const logger = createLogger();
