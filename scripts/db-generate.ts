/**
 * `prisma generate` without network: Prisma's CLI insists on a native schema engine binary before
 * generating, although generation itself runs in Wasm. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any
 * existing file satisfies the check (docs/decisions/003-migrations-offline.md).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const prismaBin = path.join(root, "node_modules", ".bin", "prisma");
const result = spawnSync(prismaBin, ["generate"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
