/**
 * Prisma's schema engine without its native binary: the Wasm build that ships inside the `prisma`
 * package (node_modules/prisma/build/schema_engine_bg.wasm, the same engine version as our CLI),
 * driven through the JS bindings of @prisma/schema-engine-wasm. See docs/decisions/003-migrations-offline.md.
 *
 * Only the database-free operation is used: rendering schema.prisma as the SQL that creates it from
 * an empty database (`prisma migrate diff --from-empty --to-schema --script`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);

type EngineClass = {
  new: (options: { datamodels: [string, string][] }, log: (line: string) => void, adapter: unknown) => Promise<Engine>;
};
type Engine = {
  diff: (input: unknown) => Promise<{ exitCode: number; stdout: string | null }>;
  free: () => void;
};

let engineClass: Promise<EngineClass> | undefined;

async function loadEngineClass(): Promise<EngineClass> {
  const runtime = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as Record<string, unknown> & {
    __wbg_set_wasm: (exports: WebAssembly.Exports) => void;
    SchemaEngine: EngineClass;
  };
  const wasmPath = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "schema_engine_bg.wasm");
  const wasmModule = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(wasmModule, { "./schema_engine_bg.js": runtime as WebAssembly.ModuleImports });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return runtime.SchemaEngine;
}

/**
 * The engine connects once at construction to learn the server version; this stand-in answers that
 * probe as a PostgreSQL 15 server and refuses everything else, so a diff that would need a real
 * database fails loudly instead of guessing.
 */
function offlineAdapterFactory() {
  const refuse = (what: string) => async () => {
    throw new Error(`the offline schema engine adapter cannot ${what}`);
  };
  const adapter = {
    provider: "postgres" as const,
    adapterName: "longhaul-offline",
    queryRaw: async (query: { sql: string }) => {
      if (query.sql.includes("pg_namespace") && query.sql.includes("version()")) {
        return {
          columnNames: ["exists", "version", "numeric_version"],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, "PostgreSQL 15.0 (offline)", 150000]],
        };
      }
      throw new Error(`the offline schema engine adapter cannot run: ${query.sql.slice(0, 120)}`);
    },
    executeRaw: refuse("execute statements"),
    executeScript: refuse("execute scripts"),
    startTransaction: refuse("start transactions"),
    getConnectionInfo: () => ({ schemaName: "public", supportsRelationJoins: true }),
    dispose: async () => {},
  };
  return {
    provider: "postgres" as const,
    adapterName: "longhaul-offline",
    connect: async () => adapter,
    connectToShadowDb: async () => adapter,
  };
}

/** The SQL that creates `schemaPath` from an empty database, exactly as Prisma would write it. */
export async function renderSchemaAsSql(schemaPath: string): Promise<string> {
  engineClass ??= loadEngineClass();
  const SchemaEngine = await engineClass;
  const content = readFileSync(schemaPath, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(offlineAdapterFactory());
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, content]] }, () => {}, adapter);
  try {
    const result = await engine.diff({
      from: { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  } finally {
    engine.free();
  }
}
