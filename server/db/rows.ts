import "server-only";
import { z } from "zod";
import type { Prisma } from "./generated/client";
import type { RawClient } from "./raw";

/**
 * Typed results of raw statements (docs/decisions/029): every row a raw statement returns is parsed
 * with the zod schema of its columns (server/db/columns.ts), so a statement and the type its callers
 * rely on cannot drift apart unnoticed. A statement's row is declared once, with what the statement is
 * for (`sqlRow`); `rows`, `row` and `maybeRow` run a `Prisma.Sql` on any RawClient (`db`, a
 * transaction, `direct`, `lockedOneTrip(...)`) and check what comes back. `parseRows` checks rows
 * that came another way (a statement sent with others through `oneTrip`).
 */
export type SqlRow<T> = { readonly purpose: string; readonly schema: z.ZodType<T> };

/** The row type a `sqlRow` declares. */
export type RowOf<R> = R extends SqlRow<infer T> ? T : never;

/**
 * A statement's row: `purpose` says what the statement is for (errors name it), `columns` the schema
 * of each column it returns, no more and no fewer (a column the statement returns but does not declare
 * is an error too).
 */
export function sqlRow<const Columns extends z.ZodRawShape>(purpose: string, columns: Columns) {
  return { purpose, schema: z.strictObject(columns) };
}

/** A row that does not match its statement's declared columns. Names the column, never its value (rows can hold secrets). */
export class SqlRowError extends Error {
  constructor(purpose: string, index: number, issues: readonly z.core.$ZodIssue[]) {
    const described = issues
      .slice(0, 3)
      .map((issue) => {
        const column = issue.path.length > 0 ? issue.path.map(String).join(".") : "(the row)";
        const keys = issue.code === "unrecognized_keys" ? ` ${issue.keys.join(", ")}` : "";
        return `column ${column}: ${issue.message}${keys}`;
      })
      .join("; ");
    super(`The statement for ${purpose} returned a row (#${index}) that does not match its declared columns: ${described}.`);
    this.name = "SqlRowError";
  }
}

/** `raw` (rows a statement returned) checked against `row`'s columns. */
export function parseRows<T>(of: SqlRow<T>, raw: readonly unknown[]): T[] {
  const parsed: T[] = new Array<T>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const result = of.schema.safeParse(raw[i]);
    if (!result.success) throw new SqlRowError(of.purpose, i, result.error.issues);
    parsed[i] = result.data;
  }
  return parsed;
}

async function run(client: RawClient, of: SqlRow<unknown>, sql: Prisma.Sql): Promise<unknown[]> {
  const raw: unknown = await client.$queryRaw(sql);
  if (!Array.isArray(raw)) throw new Error(`The statement for ${of.purpose} returned no rows array.`);
  return raw as unknown[];
}

/** Runs `sql` on `client`; each row checked against `row`'s columns. */
export async function rows<T>(client: RawClient, of: SqlRow<T>, sql: Prisma.Sql): Promise<T[]> {
  return parseRows(of, await run(client, of, sql));
}

/** Runs `sql`, which returns at most one row; that row checked, or null when there is none. */
export async function maybeRow<T>(client: RawClient, of: SqlRow<T>, sql: Prisma.Sql): Promise<T | null> {
  const raw = await run(client, of, sql);
  if (raw.length > 1) throw new Error(`The statement for ${of.purpose} returned ${raw.length} rows; it returns at most one.`);
  return raw.length === 0 ? null : parseRows(of, raw)[0]!;
}

/** Runs `sql`, which returns exactly one row (an aggregate, a SELECT of subqueries); that row checked. */
export async function row<T>(client: RawClient, of: SqlRow<T>, sql: Prisma.Sql): Promise<T> {
  const raw = await run(client, of, sql);
  if (raw.length !== 1) throw new Error(`The statement for ${of.purpose} returned ${raw.length} rows; it returns exactly one.`);
  return parseRows(of, raw)[0]!;
}
