import "server-only";
import pg from "pg";
import { prepareValue } from "pg/lib/utils";
import { Prisma } from "./generated/client";
import { env } from "../env";
import { logger } from "../logger";
import { takeLockSql, type LockKey } from "./locks";

/**
 * The process's one `pg` pool. Prisma runs on it (server/db/client.ts hands it to the adapter), and so
 * do the loop's hot-path statements that must not pay for Prisma: the think and act steps' reads and
 * writes, and the few round trips that Prisma cannot make one, such as a lock and the statement it
 * guards sent together (see `lockedOneTrip`). One pool, so DATABASE_POOL_SIZE bounds every connection
 * the app opens.
 */
const globalForPool = globalThis as unknown as { longhaulPool?: pg.Pool };

export function databasePool(): pg.Pool {
  if (!globalForPool.longhaulPool) {
    const pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      // Idle connections do not keep a script or test process alive.
      allowExitOnIdle: true,
      idleTimeoutMillis: 30_000,
    });
    // A restarted database breaks idle connections; the pool drops them and the next query reconnects.
    pool.on("error", (error: Error & { code?: string }) =>
      logger.warn({ code: error.code, message: error.message }, "idle database connection lost; it will reconnect"),
    );
    globalForPool.longhaulPool = pool;
  }
  return globalForPool.longhaulPool;
}

/** Ends the pool (Prisma's `$disconnect` leaves a pool it was given open): for scripts and benchmarks that are done. */
export async function closeDatabasePool() {
  const pool = globalForPool.longhaulPool;
  globalForPool.longhaulPool = undefined;
  await pool?.end();
}

/**
 * Results as Prisma's `$queryRaw` gives them, so that a statement written for Prisma reads the same
 * through the pool: int8 as bigint, numeric as Decimal, `timestamp` (stored in UTC) as a Date in UTC.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20) return (text: string) => BigInt(text);
    if (oid === 1700) return (text: string) => new Prisma.Decimal(text);
    if (oid === 1114) return (text: string) => new Date(`${text.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format as "text") as (text: string) => unknown;
  }) as typeof pg.types.getTypeParser,
};

/** A value as a parameter, as Prisma sends it: Decimal and bigint as their digits, a Date as ISO time (UTC). */
function toParam(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Prisma.Decimal.isDecimal(value)) return value.toString();
  if (Array.isArray(value)) return value.map(toParam);
  return value;
}

/**
 * A value as an SQL literal with the meaning it has as a parameter: the text `pg` would send for it,
 * quoted as an (untyped) string constant, so PostgreSQL infers its type from where it stands exactly as
 * it does for a parameter sent without a type. E'' quoting is right whatever `standard_conforming_strings` says.
 */
export function inlineValue(value: unknown): string {
  const param = toParam(value);
  if (param === null) return "NULL";
  if (typeof param === "number" && !Number.isFinite(param)) throw new Error(`Cannot inline the number ${param} into SQL.`);
  if (Buffer.isBuffer(param) || ArrayBuffer.isView(param)) throw new Error("Cannot inline binary data into SQL.");
  const text = prepareValue(param);
  if (typeof text !== "string") throw new Error("Cannot inline this value into SQL.");
  if (text.includes("\0")) throw new Error("Text with a NUL character cannot be stored.");
  return `E'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** A parameterised statement with its values written in as literals (for a multi-statement message, which takes no parameters). */
export function inlineSql(sql: Prisma.Sql): string {
  let text = sql.strings[0]!;
  for (let i = 0; i < sql.values.length; i++) text += inlineValue(sql.values[i]) + sql.strings[i + 1]!;
  return text;
}

/**
 * Sends `statements` as ONE simple-protocol message: PostgreSQL runs them as one implicit transaction
 * (all or nothing) and, under READ COMMITTED, gives each statement a snapshot taken when it starts, so a
 * statement sees what was committed while an earlier one waited for a lock. Returns each statement's rows.
 */
export async function oneTrip(statements: (Prisma.Sql | string)[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number }[]> {
  if (statements.length === 0) return [];
  const text = statements.map((s) => (typeof s === "string" ? s : inlineSql(s))).join(";\n");
  const result = (await databasePool().query({ text, types: TYPES })) as unknown as pg.QueryResult | pg.QueryResult[];
  return (Array.isArray(result) ? result : [result]).map((r) => ({ rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 }));
}

/** What the hot-path statement helpers (server/loop/sql.ts, server/spend/sql.ts) need of a client: Prisma's raw tagged templates. */
export type RawClient = Pick<Prisma.TransactionClient, "$queryRaw" | "$executeRaw">;

type Tagged<R> = (strings: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => Promise<R>;
const toSql = (strings: TemplateStringsArray | Prisma.Sql, values: unknown[]) =>
  strings instanceof Prisma.Sql ? strings : Prisma.sql(strings, ...(values as Prisma.Sql[]));

/**
 * Prisma's `$queryRaw`/`$executeRaw` on the pool directly: the same statement and parameters, the same
 * result types, without Prisma's per-query work (its query interpreter and result mapping cost the loop
 * ~0.3 ms of CPU per statement). Each call is its own implicit transaction, as with `db`.
 */
export const direct: RawClient = {
  $queryRaw: (async (strings, ...values) => {
    const sql = toSql(strings, values);
    const result = await databasePool().query({ text: sql.text, values: sql.values.map(toParam), types: TYPES });
    return result.rows as unknown[];
  }) as Tagged<unknown[]> as unknown as RawClient["$queryRaw"],
  $executeRaw: (async (strings, ...values) => {
    const sql = toSql(strings, values);
    const result = await databasePool().query({ text: sql.text, values: sql.values.map(toParam), types: TYPES });
    return result.rowCount ?? 0;
  }) as Tagged<number> as unknown as RawClient["$executeRaw"],
};

/**
 * A client for ONE statement that runs under the transaction-scoped advisory lock `lockKey`, in one
 * round trip: the lock statement (`takeLockSql`, server/db/locks.ts) and <statement> as one message (see `oneTrip`).
 * The statement's snapshot is taken after the lock is granted, so it sees everything the previous holder
 * committed: the same guarantee as `BEGIN; lock; statement; COMMIT`, in one round trip instead of four.
 * Using it for a second statement is a programming error (that one would run outside the lock).
 */
export function lockedOneTrip(
  lockKey: LockKey,
  /**
   * A read sent behind the statement in the same message (so it sees what the statement wrote, in the
   * same transaction); `take` gets its rows. The loop's act reads the next cycle's think state this way.
   */
  then?: { sql: Prisma.Sql; take: (rows: Record<string, unknown>[]) => void },
): RawClient {
  let used = false;
  const run = async (sql: Prisma.Sql) => {
    if (used) throw new Error("lockedOneTrip runs one statement; use a transaction for more.");
    used = true;
    const results = await oneTrip([takeLockSql(lockKey), sql, ...(then ? [then.sql] : [])]);
    if (then) then.take(results[2]!.rows);
    return results[1]!;
  };
  return {
    $queryRaw: (async (strings, ...values) => (await run(toSql(strings, values))).rows) as Tagged<
      unknown[]
    > as unknown as RawClient["$queryRaw"],
    $executeRaw: (async (strings, ...values) =>
      (await run(toSql(strings, values))).rowCount) as Tagged<number> as unknown as RawClient["$executeRaw"],
  };
}
