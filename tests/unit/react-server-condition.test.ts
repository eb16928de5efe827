import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const CONDITION = "--conditions=react-server";
/** A command that runs TypeScript through tsx (tsx with a file, node's --import of tsx, or the same as a spawn's argument list). */
const RUNS_TSX = /(^|[\s"'`])tsx\s+(?!--conditions)\S+\.ts\b|--import[",\s]+tsx\b/;

// Every server/ module imports "server-only", which throws in Node unless the process runs with the
// react-server condition (docs/decisions/028); these keep the commands that start such processes in step.
describe("processes running TypeScript do so with the react-server condition", () => {
  it("in the npm scripts", () => {
    const offenders = ["package.json", "packages/executor/package.json"].flatMap((file) =>
      Object.entries((JSON.parse(readFileSync(path.join(root, file), "utf8")) as { scripts: Record<string, string> }).scripts)
        .flatMap(([name, command]) => command.split(/&&|\|/).map((part) => ({ name, part: part.trim() })))
        .filter(({ part }) => RUNS_TSX.test(part) && !part.includes(CONDITION))
        .map(({ name, part }) => `${file} ${name}: ${part}`),
    );
    expect(offenders).toEqual([]);
  });

  it("in the sources and docs that start processes or show commands", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.md", ".ci/*"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      .filter((file) => file !== "" && !file.startsWith("bench/results/") && file !== "tests/unit/react-server-condition.test.ts");
    const offenders = files.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(path.join(root, file), "utf8");
      } catch {
        return []; // deleted in the work tree
      }
      return text
        .split("\n")
        .flatMap((line, i) => (RUNS_TSX.test(line) && !line.includes(CONDITION) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(offenders).toEqual([]);
  });
});
