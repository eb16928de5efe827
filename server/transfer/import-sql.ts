import "server-only";
import { Prisma } from "../db/client";

/**
 * The statements an import writes its batches with (docs/decisions/021). A batch is ONE statement:
 * its rows travel as one JSON parameter (`jsonb_to_recordset`), and the same statement moves the
 * import's progress and heartbeat forward, and writes nothing unless the import is still running
 * (a crashed-looking import may have been failed meanwhile). One statement is its own transaction:
 * on the embedded PGlite, which runs one transaction at a time, other connections wait for at most
 * one statement, never for the app's round trips inside a longer transaction.
 */

/**
 * A table column: `field` is its key in the JSON rows (the column's name unless given) with its type
 * for jsonb_to_recordset, and `value` how it is stored (the field itself unless given).
 */
type Column = { name: string; field?: string; type: string; value?: string | ((agentId: Prisma.Sql) => Prisma.Sql) };

const utc = (name: string) => `(r."${name}" AT TIME ZONE 'UTC')`;

/** The tables an import writes, in the order it writes them (spend entries look up their events by seq). */
const TABLES = {
  agent_event: {
    columns: [
      { name: "seq", type: "int" },
      { name: "cycle", type: "int" },
      { name: "type", type: `"EventType"` },
      { name: "stepId", type: "text" },
      { name: "payload", type: "jsonb", value: `COALESCE(r."payload", '{}'::jsonb)` },
      { name: "tokensIn", type: "int" },
      { name: "tokensOut", type: "int" },
      { name: "costUsd", type: "numeric" },
      { name: "durationMs", type: "int" },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
    ],
    onConflict: "",
  },
  snapshot: {
    columns: [
      { name: "cycle", type: "int" },
      { name: "eventSeq", type: "int" },
      { name: "worldState", type: "jsonb", value: `COALESCE(r."worldState", '{}'::jsonb)` },
      { name: "summary", type: "text" },
      { name: "counters", type: "jsonb", value: `COALESCE(r."counters", '{}'::jsonb)` },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
    ],
    onConflict: "ON CONFLICT DO NOTHING",
  },
  memory: {
    columns: [
      { name: "kind", type: `"MemoryKind"` },
      { name: "content", type: "text" },
      // pgvector's text form, "[0.1,0.2,...]".
      { name: "embedding", type: "text", value: `r."embedding"::vector` },
      { name: "embedder", type: "text" },
      { name: "importance", type: "float8" },
      { name: "recallCount", type: "int" },
      { name: "lastRecalledAt", type: "timestamptz", value: utc("lastRecalledAt") },
      { name: "isPinned", type: "boolean" },
      { name: "archivedAt", type: "timestamptz", value: utc("archivedAt") },
      { name: "sourceEventSeq", type: "int" },
      { name: "metadata", type: "jsonb", value: `COALESCE(r."metadata", '{}'::jsonb)` },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
      { name: "updatedAt", type: "timestamptz", value: `(now() AT TIME ZONE 'UTC')` },
    ],
    onConflict: "",
  },
  fact: {
    columns: [
      { name: "key", type: "text" },
      { name: "value", type: "jsonb", value: `COALESCE(r."value", 'null'::jsonb)` },
      { name: "source", type: "text" },
      { name: "confidence", type: "float8" },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
      { name: "updatedAt", type: "timestamptz", value: utc("updatedAt") },
    ],
    onConflict: "ON CONFLICT DO NOTHING",
  },
  approval: {
    columns: [
      { name: "cycle", type: "int" },
      { name: "kind", type: `"ApprovalKind"` },
      { name: "status", type: `"ApprovalStatus"` },
      { name: "toolName", type: "text" },
      { name: "toolArgs", type: "jsonb" },
      { name: "reason", type: "text" },
      { name: "context", type: "jsonb", value: `COALESCE(r."context", '{}'::jsonb)` },
      { name: "answer", type: "text" },
      { name: "comment", type: "text" },
      { name: "decidedAt", type: "timestamptz", value: utc("decidedAt") },
      { name: "expiresAt", type: "timestamptz", value: utc("expiresAt") },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
    ],
    onConflict: "",
  },
  spend_entry: {
    columns: [
      { name: "kind", type: `"SpendKind"` },
      { name: "state", type: `"SpendState"` },
      { name: "model", type: "text" },
      { name: "tokensIn", type: "int" },
      { name: "tokensOut", type: "int" },
      { name: "costUsd", type: "numeric" },
      // The file names the event by seq; the events of this archive are all written by now.
      {
        name: "eventId",
        field: "eventSeq",
        type: "int",
        value: (agentId) => Prisma.sql`(SELECT e.id FROM agent_event e WHERE e."agentId" = ${agentId} AND e.seq = r."eventSeq")`,
      },
      { name: "createdAt", type: "timestamptz", value: utc("createdAt") },
    ],
    onConflict: "",
  },
} satisfies Record<string, { columns: Column[]; onConflict: string }>;

export type ImportedTable = keyof typeof TABLES;
export const IMPORTED_TABLES = Object.keys(TABLES) as ImportedTable[];

/**
 * One batch: inserts `rows` (objects keyed by the table's column names) into the archive `agentId`
 * and counts them on the import, as one statement. Returns `claimed` 0 when the import is no longer
 * running (then nothing was written).
 */
export function insertImportBatch({
  table,
  importId,
  agentId,
  teamId,
  rows,
}: {
  table: ImportedTable;
  importId: string;
  agentId: string;
  teamId: string;
  rows: Record<string, unknown>[];
}): Prisma.Sql {
  const { columns, onConflict } = TABLES[table] as { columns: Column[]; onConflict: string };
  const agent = Prisma.sql`${agentId}::uuid`;
  const names = columns.map((c) => `"${c.name}"`).join(", ");
  const definitions = columns.map((c) => `"${c.field ?? c.name}" ${c.type}`).join(", ");
  const values = columns.map((c) => (typeof c.value === "function" ? c.value(agent) : Prisma.raw(c.value ?? `r."${c.field ?? c.name}"`)));
  return Prisma.sql`
    WITH claim AS (
      UPDATE agent_import SET "rowsWritten" = "rowsWritten" + ${rows.length}, "heartbeatAt" = now() AT TIME ZONE 'UTC'
       WHERE id = ${importId}::uuid AND status = 'running'
      RETURNING id
    ), written AS (
      INSERT INTO ${Prisma.raw(`"${table}"`)} ("agentId", "teamId", ${Prisma.raw(names)})
      SELECT ${agent}, ${teamId}, ${Prisma.join(values)}
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(${Prisma.raw(definitions)})
       WHERE EXISTS (SELECT 1 FROM claim)
      ${Prisma.raw(onConflict)}
    )
    SELECT (SELECT count(*) FROM claim)::int AS claimed`;
}

/** Deletes up to `limit` rows of a failed import's archive from one table; returns the statement. */
export function deleteImportedRows({
  table,
  agentId,
  teamId,
  limit,
}: {
  table: ImportedTable;
  agentId: string;
  teamId: string;
  limit: number;
}) {
  const name = Prisma.raw(`"${table}"`);
  return Prisma.sql`
    DELETE FROM ${name} WHERE id IN (SELECT id FROM ${name} WHERE "agentId" = ${agentId}::uuid AND "teamId" = ${teamId} LIMIT ${limit})`;
}
