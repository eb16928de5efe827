import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The app's own URL comes from configuration (APP_URL, INNGEST_SERVE_ORIGIN), never from a request's
 * Host or X-Forwarded-Host, which whoever sends the request chooses (SECURITY.md). This reads every
 * source file of the app for the ways such a header is reached.
 */
const FORBIDDEN = [
  { pattern: /x-forwarded-host/i, why: "X-Forwarded-Host names whatever the sender likes" },
  { pattern: /headers\.get\(\s*["'`]host["'`]\s*\)/i, why: "the Host header names whatever the sender likes" },
  { pattern: /\bnextUrl\.(origin|host|hostname|clone\(\))/, why: "request.nextUrl's origin is the request's Host" },
];

/** The app's HTTP front names these headers only to delete them from untrusted clients' requests. */
const EXEMPT = new Set(["server/http/app-server.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.(ts|tsx)$/.test(file) && !file.includes("generated"))
    .map((file) => path.join(dir, file));
}

describe("the app's own URL", () => {
  it("is never taken from request headers in app code", () => {
    const files = [...sourceFiles("app"), ...sourceFiles("server"), ...sourceFiles("components"), ...sourceFiles("inngest"), "proxy.ts"];
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const file of files.filter((f) => !EXEMPT.has(f.split(path.sep).join("/")))) {
      const text = readFileSync(path.join(root, file), "utf8");
      for (const { pattern, why } of FORBIDDEN) if (pattern.test(text)) found.push(`${file}: ${why}`);
    }
    expect(found).toEqual([]);
  });
});
