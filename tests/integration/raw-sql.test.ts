import { describe, expect, it } from "vitest";
import { db, Prisma } from "~/server/db/client";
import { databasePool, direct, inlineSql, inlineValue, lockedOneTrip, oneTrip } from "~/server/db/raw";
import { LOCKS } from "~/server/db/locks";
import { col } from "~/server/db/columns";
import { maybeRow, row, rows, sqlRow } from "~/server/db/rows";

/**
 * The loop's statements that bypass Prisma (server/db/raw.ts): values written into SQL as literals
 * must mean what they mean as parameters, results must come back as Prisma gives them, and a
 * statement sent with its lock in one message must see what the lock's previous holder committed.
 */
describe("values written into SQL", () => {
  const values: [string, unknown, string][] = [
    ["plain text", "hello", "text"],
    ["quotes and backslashes", `it's a \\path\\ with '' and \\' mixed`, "text"],
    ["unicode", "Grüße — 日本語 🙂", "text"],
    ["JSON text", JSON.stringify({ a: "it's", b: [1, "\\n"], c: null }), "jsonb"],
    ["an object (sent as JSON)", { note: "quote ' and backslash \\", n: 1.5 }, "jsonb"],
    ["a text array with quotes, commas and null", ["a", 'b"c', "d,e", null, "f\\g", "it's"], "text[]"],
    ["an integer", 42, "int"],
    ["a negative fraction", -0.125, "float8"],
    ["a bigint", 9007199254740993n, "int8"],
    ["a Decimal", new Prisma.Decimal("12345.678901234"), "numeric"],
    ["a date", new Date("2026-11-27T10:11:12.345Z"), "timestamp(3)"],
    ["true", true, "boolean"],
    ["null", null, "text"],
  ];

  it.each(values)("%s means the same inlined as as a parameter", async (_name, value, type) => {
    const asParameter = await direct.$queryRaw<{ v: unknown }[]>(Prisma.sql([`SELECT `, `::${type} AS v`], value));
    const [inlined] = await oneTrip([`SELECT ${inlineValue(value)}::${type} AS v`]);
    expect(inlined!.rows[0]!.v).toEqual(asParameter[0]!.v);
    // And as Prisma reads it.
    const viaPrisma = await db.$queryRaw<{ v: unknown }[]>(Prisma.sql([`SELECT `, `::${type} AS v`], value));
    expect(asParameter[0]!.v).toEqual(viaPrisma[0]!.v);
  });

  it("infers an untyped literal's type from its place, as it does for a parameter", async () => {
    const sql = Prisma.sql`SELECT ${7} + 1 AS n, ${"2"} || 'x' AS t, ARRAY[1, 2, 3] @> ARRAY[${2}]::int[] AS has`;
    const [inlined] = await oneTrip([inlineSql(sql)]);
    expect(inlined!.rows[0]).toEqual({ n: 8, t: "2x", has: true });
  });

  it("refuses what it cannot write safely", () => {
    expect(() => inlineValue("a\0b")).toThrow(/NUL/);
    expect(() => inlineValue(Number.NaN)).toThrow(/NaN/);
    expect(() => inlineValue(Buffer.from("x"))).toThrow(/binary/);
  });
});

describe("one round trip", () => {
  it("runs a message's statements as one transaction: all or nothing", async () => {
    const table = `raw_sql_${Date.now()}`;
    await direct.$executeRaw(Prisma.raw(`CREATE TABLE ${table} (n int)`));
    try {
      await expect(oneTrip([`INSERT INTO ${table} VALUES (1)`, `SELECT 1 / 0`])).rejects.toThrow(/division by zero/);
      const [count] = await oneTrip([`SELECT count(*)::int AS n FROM ${table}`]);
      expect(count!.rows[0]).toEqual({ n: 0 });
      const results = await oneTrip([`INSERT INTO ${table} VALUES (1), (2)`, `SELECT sum(n)::int AS s FROM ${table}`]);
      expect(results.map((r) => r.rowCount)).toEqual([2, 1]);
      expect(results[1]!.rows[0]).toEqual({ s: 3 });
    } finally {
      await direct.$executeRaw(Prisma.raw(`DROP TABLE ${table}`));
    }
  });

  it("under a lock, sees what the lock's previous holder committed while it waited", async () => {
    const table = `raw_lock_${Date.now()}`;
    // Any lock of the vocabulary; the team id is one no real team has.
    const key = LOCKS.teamMembers(`raw-sql-test-${table}`);
    await direct.$executeRaw(Prisma.raw(`CREATE TABLE ${table} (n int)`));
    const holder = await databasePool().connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key]);
      await holder.query(`INSERT INTO ${table} VALUES (41)`);
      // Starts while the holder has the lock and its row is not yet committed.
      const waiting = lockedOneTrip(key).$queryRaw<{ n: number; total: number }[]>(
        Prisma.raw(`INSERT INTO ${table} SELECT count(*) + 1 FROM ${table} RETURNING n, (SELECT count(*)::int FROM ${table}) AS total`),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      await holder.query("COMMIT");
      // Its statement's snapshot was taken after the lock was granted: it counts the holder's row.
      const [row] = await waiting;
      expect(row!.n).toBe(2);
      expect(row!.total).toBe(1);
    } finally {
      holder.release();
      await direct.$executeRaw(Prisma.raw(`DROP TABLE ${table}`));
    }
  });

  it("is for one statement only", async () => {
    const client = lockedOneTrip(LOCKS.teamMembers("raw-sql-test-once"));
    await client.$queryRaw`SELECT 1`;
    await expect(client.$queryRaw`SELECT 2`).rejects.toThrow(/one statement/);
  });
});

describe("results straight from the pool", () => {
  it("come back with the types Prisma's raw queries give", async () => {
    const sql = Prisma.sql`SELECT 12::int8 AS big, 1.50::numeric AS money, 3::int AS small, 0.5::float8 AS f,
      '2026-11-27 10:11:12.345'::timestamp(3) AS at, '{"a":1}'::jsonb AS doc, ARRAY['x','y'] AS list, 'id'::text AS t, NULL::int AS nothing`;
    const [fromPool] = await direct.$queryRaw<Record<string, unknown>[]>(sql);
    const [fromPrisma] = await db.$queryRaw<Record<string, unknown>[]>(sql);
    expect(fromPool).toEqual(fromPrisma);
    expect(fromPool!.big).toBe(12n);
    expect((fromPool!.at as Date).toISOString()).toBe("2026-11-27T10:11:12.345Z");
    expect(String(fromPool!.money)).toBe("1.5");
  });
});

describe("checked rows (server/db/rows.ts)", () => {
  const typed = sqlRow("a test of every column kind", {
    big: col.int8,
    money: col.numeric,
    small: col.int,
    f: col.float,
    at: col.timestamp,
    doc: col.json,
    t: col.text,
    nothing: col.int.nullable(),
  });
  const sql = Prisma.sql`SELECT 12::int8 AS big, 1.50::numeric AS money, 3::int AS small, 0.5::float8 AS f,
    '2026-11-27 10:11:12.345'::timestamp(3) AS at, '{"a":1}'::jsonb AS doc, 'id'::text AS t, NULL::int AS nothing`;

  it("parse the same columns on Prisma, a transaction, the pool and a locked round trip", async () => {
    const viaDb = await row(db, typed, sql);
    expect(viaDb.big).toBe(12n);
    expect(String(viaDb.money)).toBe("1.5");
    expect(viaDb.at.toISOString()).toBe("2026-11-27T10:11:12.345Z");
    expect(viaDb.doc).toEqual({ a: 1 });
    expect(await row(direct, typed, sql)).toEqual(viaDb);
    expect(await row(lockedOneTrip(LOCKS.teamMembers("raw-sql-test-rows")), typed, sql)).toEqual(viaDb);
    expect(await db.$transaction((tx) => row(tx, typed, sql))).toEqual(viaDb);
  });

  it("name the statement's purpose and the column that does not match, never its value", async () => {
    const wrong = sqlRow("reading a secret", { secret: col.int });
    const error = await rows(direct, wrong, Prisma.sql`SELECT 'hunter2'::text AS secret`).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/reading a secret/);
    expect(error!.message).toMatch(/column secret/);
    expect(error!.message).not.toMatch(/hunter2/);
    // A column the statement returns but does not declare is a mismatch too.
    await expect(rows(direct, wrong, Prisma.sql`SELECT 1 AS secret, 2 AS extra`)).rejects.toThrow(/extra/);
  });

  it("hold a statement to the number of rows it returns", async () => {
    const one = sqlRow("a test", { n: col.int });
    expect(await maybeRow(direct, one, Prisma.sql`SELECT 1 AS n WHERE false`)).toBeNull();
    await expect(maybeRow(direct, one, Prisma.sql`SELECT n FROM generate_series(1, 2) n`)).rejects.toThrow(/at most one/);
    await expect(row(direct, one, Prisma.sql`SELECT 1 AS n WHERE false`)).rejects.toThrow(/exactly one/);
  });
});
