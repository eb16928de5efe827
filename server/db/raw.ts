import pg from "pg";
import { env } from "../env";
import { logger } from "../logger";

/**
 * A small `pg` pool beside Prisma's, for the few hot reads that must be one round trip and that
 * Prisma cannot express as one: several statements in one simple-protocol message (settings scoped
 * to the statement's implicit transaction, then the query). Nothing here writes.
 */
const globalForRaw = globalThis as unknown as { longhaulRawPool?: pg.Pool };

export function rawPool(): pg.Pool {
  if (!globalForRaw.longhaulRawPool) {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4, allowExitOnIdle: true, idleTimeoutMillis: 30_000 });
    // A restarted database breaks idle connections; the pool drops them and the next query reconnects.
    pool.on("error", (error: Error & { code?: string }) =>
      logger.warn({ code: error.code, message: error.message }, "raw database connection lost; it will reconnect"),
    );
    globalForRaw.longhaulRawPool = pool;
  }
  return globalForRaw.longhaulRawPool;
}

/** Quotes a value as an SQL string literal (for the statements above, which carry no parameters). */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
