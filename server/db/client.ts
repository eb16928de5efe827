import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "../env";
import { PrismaClient } from "./generated/client";
import { databasePool } from "./raw";

export type Db = InstanceType<typeof PrismaClient>;

function createPrismaClient(): Db {
  // The process's one pool (server/db/raw.ts), shared with the loop's statements that bypass Prisma.
  const adapter = new PrismaPg(databasePool());
  return new PrismaClient({ adapter, log: env.LOG_LEVEL === "debug" ? ["query", "warn", "error"] : ["error"] });
}

// One client per process; Next's dev server reloads modules, so keep it on globalThis there.
const globalForDb = globalThis as unknown as { longhaulDb?: Db };

export const db: Db = globalForDb.longhaulDb ?? createPrismaClient();
if (env.NODE_ENV !== "production") globalForDb.longhaulDb = db;

export { Prisma } from "./generated/client";
