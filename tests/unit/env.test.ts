import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Loads server/env.ts in a fresh process, as the app does at start-up. */
function loadEnv(env: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "-e", 'await import("./server/env.ts"); console.log("ENV OK")'],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
    },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

const SECRET = "s".repeat(40);

// Each case starts real processes (tsx), which take seconds on a busy machine.
describe("environment schema", { timeout: 60_000 }, () => {
  it("accepts a complete configuration", () => {
    const { status, output } = loadEnv({ DATABASE_URL: "postgresql://u:p@db.internal:5432/longhaul", BETTER_AUTH_SECRET: SECRET });
    expect(output).toContain("ENV OK");
    expect(status).toBe(0);
  });

  it("stops on an INNGEST_SERVE_ORIGIN that is more than an origin, and names it", () => {
    const { status, output } = loadEnv({
      DATABASE_URL: "postgresql://u:p@db.internal:5432/longhaul",
      BETTER_AUTH_SECRET: SECRET,
      INNGEST_SERVE_ORIGIN: "https://app.example.com/api/inngest",
    });
    expect(status).not.toBe(0);
    expect(output).toContain("INNGEST_SERVE_ORIGIN: must be an origin only (scheme, host and port), such as http://127.0.0.1:3000");
  });

  it("stops on a malformed DATABASE_URL and names it", () => {
    const { status, output } = loadEnv({ DATABASE_URL: "localhost:5432/longhaul", BETTER_AUTH_SECRET: SECRET });
    expect(status).not.toBe(0);
    expect(output).toContain("DATABASE_URL: must be a URL like postgresql://user:password@host:5432/database");
    expect(output).not.toContain("ENV OK");
  });

  it("stops on a missing or short secret and names it", () => {
    const missing = loadEnv({ DATABASE_URL: "postgresql://localhost/db" });
    expect(missing.status).not.toBe(0);
    expect(missing.output).toContain("BETTER_AUTH_SECRET: is required");
    const short = loadEnv({ DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: "abc" });
    expect(short.output).toContain("BETTER_AUTH_SECRET: must be at least 32 characters long");
  });

  it("rejects a bad port", () => {
    const { status, output } = loadEnv({ DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: SECRET, PORT: "99999" });
    expect(status).not.toBe(0);
    expect(output).toContain("PORT: must be a port number");
  });

  it("accepts a price table in LONGHAUL_PRICES and names what is wrong with a bad one", () => {
    const base = { DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: SECRET };
    const good = JSON.stringify({
      default: { inputPerMillion: 1, outputPerMillion: 2 },
      models: { "llama3:8b": { inputPerMillion: 0, outputPerMillion: 0 } },
    });
    expect(loadEnv({ ...base, LONGHAUL_PRICES: good }).output).toContain("ENV OK");
    const notJson = loadEnv({ ...base, LONGHAUL_PRICES: "{oops" });
    expect(notJson.status).not.toBe(0);
    expect(notJson.output).toContain("LONGHAUL_PRICES: is not valid JSON.");
    const negative = loadEnv({
      ...base,
      LONGHAUL_PRICES: JSON.stringify({ default: { inputPerMillion: -1, outputPerMillion: 0 }, models: {} }),
    });
    expect(negative.output).toMatch(/LONGHAUL_PRICES: default\.inputPerMillion: Too small/);
  });

  it("reads the outbound guard's allow-lists and OPENAI_API_KEY_HOSTS, and names an entry it cannot read", () => {
    const base = { DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: SECRET };
    const good = loadEnv({
      ...base,
      LONGHAUL_PRIVATE_MODEL_HOSTS: "localhost, 127.0.0.1/32,10.0.0.0/8,ollama.lan,fd00::/8",
      LONGHAUL_PRIVATE_TOOL_HOSTS: "*.internal,192.168.1.20",
      OPENAI_API_KEY_HOSTS: "openrouter.ai,llm.internal",
    });
    expect(good.output).toContain("ENV OK");
    const badRange = loadEnv({ ...base, LONGHAUL_PRIVATE_MODEL_HOSTS: "localhost,10.0.0.0/40" });
    expect(badRange.status).not.toBe(0);
    expect(badRange.output).toContain(
      'LONGHAUL_PRIVATE_MODEL_HOSTS: "10.0.0.0/40" is not a CIDR range like 10.0.0.0/8 or fd00::/8. Give host names, IP addresses or CIDR ranges separated by commas',
    );
    const url = loadEnv({ ...base, LONGHAUL_PRIVATE_TOOL_HOSTS: "http://10.0.0.5:8080" });
    expect(url.output).toContain(
      'LONGHAUL_PRIVATE_TOOL_HOSTS: "http://10.0.0.5:8080" is neither a host name nor an IP address or CIDR range.',
    );
    const keyHosts = loadEnv({ ...base, OPENAI_API_KEY_HOSTS: "https://openrouter.ai/api" });
    expect(keyHosts.output).toContain('OPENAI_API_KEY_HOSTS: "https://openrouter.ai/api" is not a host name');
  });

  it("accepts a 64-hex-character LONGHAUL_SECRET_KEY and names anything else", () => {
    const base = { DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: SECRET };
    expect(loadEnv({ ...base, LONGHAUL_SECRET_KEY: "ab".repeat(32) }).output).toContain("ENV OK");
    const short = loadEnv({ ...base, LONGHAUL_SECRET_KEY: "abc123" });
    expect(short.status).not.toBe(0);
    expect(short.output).toContain("LONGHAUL_SECRET_KEY: must be 64 hex characters");
  });

  it("reads TRUSTED_PROXIES and LONGHAUL_SIGNUP, and names a bad entry", () => {
    const base = { DATABASE_URL: "postgresql://localhost/db", BETTER_AUTH_SECRET: SECRET };
    expect(
      loadEnv({ ...base, TRUSTED_PROXIES: "10.0.0.5, 10.1.0.0/16,::1,loopback", LONGHAUL_SIGNUP: "example.com,example.org" }).output,
    ).toContain("ENV OK");
    const proxies = loadEnv({ ...base, TRUSTED_PROXIES: "10.0.0.0/33" });
    expect(proxies.status).not.toBe(0);
    expect(proxies.output).toContain('TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or CIDR range');
    const signUp = loadEnv({ ...base, LONGHAUL_SIGNUP: "anyone" });
    expect(signUp.status).not.toBe(0);
    expect(signUp.output).toContain('LONGHAUL_SIGNUP: must be "open", "invite-only" or a comma-separated list of e-mail domains');
  });
});
