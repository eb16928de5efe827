/**
 * `npm run lint:deps` (second check): no two parts of server/ import each other, directly or around a
 * longer loop (docs/decisions/028). A part is a domain folder, `server/<name>/` with its subfolders, or
 * a file at server/'s root (env.ts, logger.ts, errors.ts). dependency-cruiser forbids cycles between
 * modules; this forbids them between parts, where a module cycle is not needed for two domains to
 * know each other. (Its own `scope: "folder"` rules count a parent folder as importing whatever its
 * subfolders import, so every domain that reads server/env.ts would seem to be in a loop with every
 * other.) Type-only imports do not count, as in the other rules: TypeScript erases them.
 *
 * One kind of import is left out: server/env.ts reading a module that imports nothing else of server/
 * (a setting's format: the price table, the sign-up policy, private host lists, trusted proxies). The
 * format belongs to its domain, and the environment schema needs it to refuse a bad value at start-up.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENV_SCHEMA = "server/env.ts";

interface CruisedModule {
  source: string;
  dependencies: { resolved: string; dependencyTypes: string[] }[];
}

const cruise = spawnSync(
  path.join(ROOT, "node_modules", ".bin", "depcruise"),
  ["--config", ".dependency-cruiser.cjs", "--include-only", "^server/", "--output-type", "json", "server"],
  { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
);
if (!cruise.stdout) {
  console.error(`[folder-cycles] dependency-cruiser gave no result:\n${cruise.stderr}`);
  process.exit(2);
}
const modules = (JSON.parse(cruise.stdout) as { modules: CruisedModule[] }).modules.filter((m) => m.source.startsWith("server/"));

/** The part of server/ a module belongs to. */
const partOf = (file: string) => {
  const segments = file.split("/");
  return segments.length > 2 ? `server/${segments[1]}/` : file;
};
const serverImports = (m: CruisedModule) =>
  m.dependencies.filter((d) => d.resolved.startsWith("server/") && !d.dependencyTypes.includes("type-only"));
const leaves = new Set(modules.filter((m) => serverImports(m).length === 0).map((m) => m.source));

/** part → part it imports → the module imports that make the edge. */
const edges = new Map<string, Map<string, string[]>>();
for (const m of modules) {
  const from = partOf(m.source);
  if (!edges.has(from)) edges.set(from, new Map());
  for (const d of serverImports(m)) {
    const to = partOf(d.resolved);
    if (to === from || (m.source === ENV_SCHEMA && leaves.has(d.resolved))) continue;
    const targets = edges.get(from)!;
    targets.set(to, [...(targets.get(to) ?? []), `${m.source} → ${d.resolved}`]);
  }
}

// Strongly connected components (Tarjan): every part in one component reaches every other.
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const loops: string[][] = [];
function visit(part: string) {
  index.set(part, index.size);
  low.set(part, index.get(part)!);
  stack.push(part);
  onStack.add(part);
  for (const next of edges.get(part)?.keys() ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(part, Math.min(low.get(part)!, low.get(next)!));
    } else if (onStack.has(next)) {
      low.set(part, Math.min(low.get(part)!, index.get(next)!));
    }
  }
  if (low.get(part) !== index.get(part)) return;
  const component: string[] = [];
  let member: string;
  do {
    member = stack.pop()!;
    onStack.delete(member);
    component.push(member);
  } while (member !== part);
  if (component.length > 1) loops.push(component.sort());
}
for (const part of [...edges.keys()].sort()) if (!index.has(part)) visit(part);

if (loops.length === 0) {
  console.log(`[folder-cycles] ${edges.size} parts of server/, none importing each other in a loop.`);
  process.exit(0);
}
for (const loop of loops) {
  console.error(`[folder-cycles] These parts of server/ import each other: ${loop.join(", ")}`);
  for (const from of loop)
    for (const [to, imports] of edges.get(from) ?? []) if (loop.includes(to)) for (const line of imports) console.error(`  ${line}`);
}
console.error("[folder-cycles] Move the shared piece to the folder that owns it, or to a lower one that both import (docs/decisions/028).");
process.exit(1);
