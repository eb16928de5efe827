import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { serverEnvSchema } from "~/server/env";
import { executorEnvSchema } from "@longhaul/executor";

/**
 * The README's variable tables are the operator's reference: they must name exactly the variables the
 * schemas read (server/env.ts for the app, the executor's config for `npm run executor`), and give the
 * schema's default where it has a plain one.
 */
const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

type Row = { names: string[]; defaults: string };

/** The rows of the first `| Variable | Default | ... |` table after `heading`. */
function variableTable(heading: string): Row[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const lines = readme.slice(start).split("\n");
  const header = lines.findIndex((line) => /^\|\s*Variable\s*\|\s*Default\s*\|/.test(line));
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const [names = "", defaults = ""] = line.split("|").slice(1);
    rows.push({ names: [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!), defaults });
  }
  return rows;
}

/** Variables whose README default is not the schema's fallback, and why. */
const DEFAULT_SET_ELSEWHERE: Record<string, string> = {
  NODE_ENV: "the scripts set it (npm start: production)",
  APP_URL: "scripts/run.ts derives it from HOST and PORT",
};

function checkTable(heading: string, schema: Record<string, z.ZodType>) {
  const rows = variableTable(heading);
  const documented = rows.flatMap((row) => row.names);
  expect([...documented].sort()).toEqual(Object.keys(schema).sort());
  expect(new Set(documented).size).toBe(documented.length);
  for (const row of rows) {
    for (const name of row.names) {
      if (name in DEFAULT_SET_ELSEWHERE) continue;
      const fallback = schema[name]!.safeParse(undefined);
      if (!fallback.success || (typeof fallback.data !== "string" && typeof fallback.data !== "number")) continue;
      expect(row.defaults, `README default of ${name}`).toContain(`\`${String(fallback.data)}\``);
    }
  }
}

describe("README environment tables", () => {
  it("lists every variable of server/env.ts, with its default", () => {
    checkTable("## Configuration", serverEnvSchema);
  });

  it("lists every variable of the executor's config, with its default", () => {
    checkTable("## Durable execution (the executor)", executorEnvSchema.shape);
  });
});
