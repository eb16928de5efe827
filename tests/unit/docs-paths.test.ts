import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The docs stay true as files move: every repository path the README, ARCHITECTURE.md, SECURITY.md and
 * the decisions name in backticks, and every relative Markdown link, points at something that exists.
 * Paths are recognised by their first folder, so prose in backticks is left alone.
 */
const ROOTS = ["app", "bench", "components", "docs", "inngest", "packages", "prisma", "scripts", "server", "shared", "tests"];
const FILE_EXTENSIONS = [
  "ts",
  "tsx",
  "js",
  "mjs",
  "cjs",
  "md",
  "json",
  "sql",
  "svg",
  "png",
  "toml",
  "prisma",
  "sh",
  "yml",
  "yaml",
  "css",
  "txt",
];
const DOCS = [
  "README.md",
  "ARCHITECTURE.md",
  "SECURITY.md",
  ...readdirSync(path.join(root, "docs/decisions")).map((f) => `docs/decisions/${f}`),
];

/** `server/agents/loop.ts`, `server/db/`, `bench/results/agent-loop.md` — not `app/` patterns with placeholders. */
function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const [, inner] of text.matchAll(/`([^`\n]+)`/g)) {
    const candidate = inner!
      .trim()
      .split(/\s/)[0]!
      .replace(/[),.:;]+$/, "");
    const first = candidate.split("/")[0]!;
    if (!ROOTS.includes(first) || !candidate.includes("/")) continue;
    if (/[<>*{}[\]$]|\.\.\./.test(candidate)) continue; // a pattern, not a path
    // `inngest/function.failed` is an event name and `inngest/node` an import path: a file named here has
    // an extension we keep in the repository, a folder ends with "/", and `inngest/…` is otherwise a name.
    const last = candidate.split("/").at(-1)!;
    const ext = /\.([a-z]+)$/.exec(last)?.[1];
    if (ext ? !FILE_EXTENSIONS.includes(ext) : first === "inngest" && !candidate.endsWith("/")) continue;
    found.add(candidate.replace(/#.*$/, ""));
  }
  return [...found];
}

function relativeLinks(file: string, text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, href]) => href!)
    .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith("#"))
    .map((href) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), href.replace(/#.*$/, ""))));
}

describe("paths named in the docs", () => {
  for (const doc of DOCS) {
    it(`${doc} names only paths that exist`, () => {
      const text = readFileSync(path.join(root, doc), "utf8");
      const missing = [...namedPaths(text), ...relativeLinks(doc, text)].filter((p) => !existsSync(path.join(root, p)));
      expect(missing).toEqual([]);
    });
  }

  it("never points outside the repository", () => {
    const outside = DOCS.filter((doc) => /\.\.\/shared|\/work\/shared/.test(readFileSync(path.join(root, doc), "utf8")));
    expect(outside).toEqual([]);
  });

  it("recognises a path and skips prose and patterns", () => {
    expect(
      namedPaths("see `server/db/locks.ts`, `app/api/hooks/<agent>`, `inngest/function.failed`, `inngest/node` and `npm start`"),
    ).toEqual(["server/db/locks.ts"]);
  });

  it("finds a path that does not exist", () => {
    const text = "the loop lives in `server/agents/no-such-file.ts`";
    expect(namedPaths(text).filter((p) => !existsSync(path.join(root, p)))).toEqual(["server/agents/no-such-file.ts"]);
  });
});
