import pino from "pino";

/** The executor runs as its own process, outside the app's env schema: it logs JSON lines at info. */
export const logger = pino({ base: { service: "longhaul-executor" }, timestamp: pino.stdTimeFunctions.isoTime, level: "info" });
