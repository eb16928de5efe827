/**
 * `npm run db:schema-sql`: prints the SQL that creates prisma/schema.prisma from an empty database,
 * computed offline by Prisma's own schema engine (Wasm). Use it to write a new migration: compare it
 * with the current migrations, or diff two versions of its output. The drift test uses the same function.
 */
import path from "node:path";
import { renderSchemaAsSql } from "./lib/schema-engine";
import { ROOT } from "./lib/database";

process.stdout.write(await renderSchemaAsSql(path.join(ROOT, "prisma", "schema.prisma")));
