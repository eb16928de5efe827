import { defineConfig } from "prisma/config";

// DATABASE_URL is optional here: `prisma generate` needs no database, and the offline migrator
// (scripts/db-migrate.ts) reads the URL through server/env.ts. See docs/decisions/003-migrations-offline.md.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
