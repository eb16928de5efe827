/**
 * `npm run lint:deps` (second half): no source file over MAX_LINES lines outside tests and benchmarks,
 * so a file stays something a reader takes in at once. Files that were longer when the rule came are
 * listed in scripts/file-length-baseline.json with their length then: they may shrink, not grow, and a
 * new long file fails. `--update-baseline` rewrites the list from today's files.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/database";

const MAX_LINES = 500;
const BASELINE = path.join(ROOT, "scripts", "file-length-baseline.json");
const EXEMPT = /(^|\/)(tests|bench)\/|(^|\/)generated\/|\.d\.ts$/;

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.tsx", "*.js", "*.mjs", "*.cjs"], {
  cwd: ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => file !== "" && !EXEMPT.test(file));

const lengths = new Map<string, number>();
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(path.join(ROOT, file), "utf8");
  } catch {
    continue; // deleted in the work tree
  }
  lengths.set(file, text.split("\n").length - (text.endsWith("\n") ? 1 : 0));
}
const long = [...lengths].filter(([, lines]) => lines > MAX_LINES).sort(([a], [b]) => a.localeCompare(b));

if (process.argv.includes("--update-baseline")) {
  writeFileSync(BASELINE, `${JSON.stringify(Object.fromEntries(long), null, 2)}\n`);
  console.log(`[file-length] ${long.length} files over ${MAX_LINES} lines written to ${path.relative(ROOT, BASELINE)}.`);
  process.exit(0);
}

const baseline = JSON.parse(readFileSync(BASELINE, "utf8")) as Record<string, number>;
const failures: string[] = [];
for (const [file, lines] of long) {
  const known = baseline[file];
  if (known === undefined) failures.push(`${file}: ${lines} lines (at most ${MAX_LINES}); split it by responsibility.`);
  else if (lines > known) failures.push(`${file}: ${lines} lines, grown past its ${known} in the baseline; split it instead.`);
}
for (const file of Object.keys(baseline)) {
  if (!long.some(([name]) => name === file))
    console.log(`[file-length] ${file} is no longer over ${MAX_LINES} lines: remove it from ${path.relative(ROOT, BASELINE)}.`);
}
if (failures.length > 0) {
  console.error(`[file-length] ${failures.length} files too long:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log(`[file-length] no new file over ${MAX_LINES} lines (${Object.keys(baseline).length} known, in the baseline).`);
