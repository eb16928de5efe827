import "server-only";
import { z } from "zod";
import { Prisma } from "./generated/client";

/**
 * Schemas for the columns of a raw statement's row, as Prisma's `$queryRaw` and the pool
 * (server/db/raw.ts) both give them: int8 as bigint, numeric as Decimal, `timestamp` as a Date, json
 * and jsonb already parsed. A statement that wants plain numbers or strings casts in SQL (`::int`,
 * `::float8`, `::text`) and says so here; an enum column is `z.enum(TheEnum)` (server/db/generated/enums).
 * Rows are checked with them by server/db/rows.ts.
 */
export const col = {
  text: z.string(),
  /** A uuid as the driver returns it (a string); not pattern-checked, the database typed it. */
  uuid: z.string(),
  /** int2/int4 (and `count(*)::int`). */
  int: z.number().int(),
  /** float4/float8. */
  float: z.number(),
  bool: z.boolean(),
  /** int8, bigserial, `count(*)`. */
  int8: z.bigint(),
  /** numeric/decimal. */
  numeric: z.custom<Prisma.Decimal>((value) => Prisma.Decimal.isDecimal(value), "expected a Decimal (a numeric column)"),
  /** timestamp (stored in UTC) and timestamptz. */
  timestamp: z.date(),
  /** bytea. */
  bytes: z.custom<Buffer>((value) => Buffer.isBuffer(value), "expected bytes (a bytea column)"),
  /** A json/jsonb column of any value, not looked into. */
  json: z.custom<Prisma.JsonValue>((value) => value !== undefined, "expected a JSON value"),
};

/**
 * A json/jsonb column holding an array whose items are declared by the SQL that builds them (a
 * `jsonb_agg(jsonb_build_object(...))`); only the array is checked, not each item: such columns can
 * hold a hundred events, which the agent loop reads every cycle (docs/decisions/029).
 */
export function jsonArray<T>() {
  return z.custom<T[]>((value) => Array.isArray(value), "expected a JSON array");
}

/** A json/jsonb column holding an object built by the statement (`jsonb_build_object`), not looked into; see jsonArray. */
export function jsonObject<T>() {
  return z.custom<T>((value) => typeof value === "object" && value !== null && !Array.isArray(value), "expected a JSON object");
}
