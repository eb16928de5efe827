import type pg from "pg";

/**
 * The executor's durable state, all in PostgreSQL. Every function here takes a client that may be
 * inside a transaction, so the caller decides what commits together (a step's result and the next
 * job always do). Times are computed by the database (sessions run in UTC).
 */
export type Db = pg.Pool | pg.PoolClient;

const ignore = () => {};

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that dies while checked out (a database restart) emits "error"; the failed query
  // already reports it, and the broken client is destroyed below instead of going back to the pool.
  client.on("error", ignore);
  let failure: unknown = null;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    failure = error;
    await client.query("ROLLBACK").catch(ignore);
    throw error;
  } finally {
    client.off("error", ignore);
    client.release(isConnectionError(failure) ? (failure as Error) : undefined);
  }
}

/** Errors after which a connection must not be reused: it is gone or being shut down. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? "";
  return code.startsWith("57P") || code.startsWith("08") || /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE/.test(error.message);
}
