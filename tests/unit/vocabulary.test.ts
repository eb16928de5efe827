import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "~/server/audit/record";

const root = path.resolve(import.meta.dirname, "../..");

/** The app's own source files (the executor, packages/executor, keeps its own locks; generated code is Prisma's). */
function appSources(): { file: string; text: string }[] {
  return ["app", "server", "inngest", "components", "scripts"].flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(ts|tsx)$/.test(file))
      .map((file) => path.join(dir, file).split(path.sep).join("/"))
      .filter((file) => !file.startsWith("server/db/generated/"))
      .map((file) => ({ file, text: readFileSync(path.join(root, file), "utf8") })),
  );
}

/** Where a thing may be spelled out: everywhere else must go through the vocabulary module. */
function offenders(pattern: RegExp, home: string[]): string[] {
  return appSources()
    .filter(({ file, text }) => !home.includes(file) && pattern.test(text))
    .map(({ file }) => file);
}

describe("one vocabulary", () => {
  it("audit entries are written only through recordAudit, with an action of AUDIT_ACTIONS", () => {
    expect(offenders(/auditLog\.(create|createMany|upsert)\(/, ["server/audit/record.ts"])).toEqual([]);
    // Every action is "<group>.<verb>" and names the kind of row it acts on.
    for (const [action, target] of Object.entries(AUDIT_ACTIONS)) {
      expect(action).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(target).toMatch(/^[a-z_]+$/);
    }
  });

  it("advisory locks are taken only through server/db/locks.ts", () => {
    expect(offenders(/pg_advisory_(xact_)?lock|hashtext\(/, ["server/db/locks.ts", "server/db/migrate.ts"])).toEqual([]);
  });
});
