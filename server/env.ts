import "server-only";
import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";
import { parsePriceTable } from "./spend/price-table";
import { parseSignUpPolicy } from "./auth/sign-up-policy";
import { checkCron } from "@longhaul/executor/cron";
import { NO_PRIVATE_HOSTS, parsePrivateHostList } from "./security/outbound-addresses";
import { parseTrustedProxies } from "./http/app-server";

/**
 * The one environment schema. Read once at start-up (scripts/run.ts, instrumentation.ts and the test
 * runner import it); a missing or malformed variable stops the process with a message naming it.
 * No other module reads process.env.
 */
/** LONGHAUL_PRIVATE_*_HOSTS: comma-separated host names, IP addresses and CIDR ranges (docs/decisions/019). */
const privateHostList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    try {
      return value ? parsePrivateHostList(value) : NO_PRIVATE_HOSTS;
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `${(error as Error).message} Give host names, IP addresses or CIDR ranges separated by commas, e.g. localhost,10.0.0.0/8,ollama.lan.`,
      });
      return z.NEVER;
    }
  });

const postgresUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "postgresql:" || url.protocol === "postgres:") && url.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: "must be a URL like postgresql://user:password@host:5432/database" },
);

/** Every variable the app reads, by name (exported for the test that keeps the README's table equal to it). */
export const serverEnvSchema = {
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: postgresUrl,
  BETTER_AUTH_SECRET: z
    .string({ message: "is required (a random string of at least 32 characters, e.g. `openssl rand -hex 32`)" })
    .min(32, { message: "must be at least 32 characters long" }),
  APP_URL: z.url({ message: "must be an absolute URL such as http://127.0.0.1:3000" }).default("http://127.0.0.1:3000"),
  // Where Inngest (or the bundled executor) calls the app's /api/inngest: the app tells Inngest this origin when it
  // syncs, never one taken from a request's Host header. Default: APP_URL's origin; `npm start` sets it to the
  // loopback address its bundled executor uses.
  INNGEST_SERVE_ORIGIN: z
    .url({ message: "must be an origin such as http://127.0.0.1:3000" })
    .refine((value) => new URL(value).pathname === "/" && !new URL(value).search, {
      message: "must be an origin only (scheme, host and port), such as http://127.0.0.1:3000",
    })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce
    .number({ message: "must be a number" })
    .int()
    .min(1, { message: "must be at least 1" })
    .max(200, { message: "must be at most 200" })
    .default(10),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number({ message: "must be a port number" }).int().min(1).max(65535, { message: "must be a port number" }).default(3000),
  LONGHAUL_DATA_DIR: z.string().default(".data"),
  // Reverse proxies whose X-Forwarded-For the app believes (comma-separated IPs or CIDR ranges); none by
  // default: the client is the socket's peer (server/http/app-server.ts, docs/decisions/020).
  // Sign-in and sign-up attempts a minute per client address (better-auth's rate limit, counted in the database).
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ message: "must be a number of attempts" })
    .int({ message: "must be a whole number of attempts" })
    .min(1, { message: "must be at least 1" })
    .max(10_000, { message: "must be at most 10000" })
    .default(10),
  // Public API (/api/v1) requests a minute per API token (counted in the database); more get 429 with Retry-After.
  API_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ message: "must be a number of requests" })
    .int({ message: "must be a whole number of requests" })
    .min(1, { message: "must be at least 1" })
    .max(1_000_000, { message: "must be at most 1000000" })
    .default(300),
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseTrustedProxies(value ?? "");
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  // Who may create an account once the instance has its first one: "open", "invite-only" (the default)
  // or a comma-separated list of e-mail domains (server/auth/sign-up.ts, docs/decisions/020).
  LONGHAUL_SIGNUP: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseSignUpPolicy(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  // Key for secrets at rest (provider API keys), 64 hex characters; derived from BETTER_AUTH_SECRET when unset.
  LONGHAUL_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: "must be 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`" })
    .optional(),
  // The API key for provider rows that have none of their own, sent only to the official endpoint
  // (api.openai.com over https) and to the hosts in OPENAI_API_KEY_HOSTS.
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_API_KEY_HOSTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const hosts = (value ?? "")
        .split(",")
        .map((host) => host.trim().toLowerCase())
        .filter((host) => host !== "");
      const bad = hosts.find((host) => !/^[a-z0-9_.:[\]-]+$/.test(host));
      if (bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${bad}" is not a host name; give host names separated by commas, e.g. openrouter.ai,llm.internal.`,
        });
        return z.NEVER;
      }
      return hosts;
    }),
  // Outbound guard (server/security/outbound.ts): private and loopback addresses an operator lets model and
  // embedding endpoints reach, and, separately, agent tools and MCP servers (later channels). Default: none.
  LONGHAUL_PRIVATE_MODEL_HOSTS: privateHostList,
  LONGHAUL_PRIVATE_TOOL_HOSTS: privateHostList,
  // Local MCP servers (a command run over stdio on this host, server/mcp/, docs/decisions/035): "on" lets
  // team admins add them; off by default, because each one runs a program on the host.
  LONGHAUL_MCP_STDIO: z.enum(["on", "off"], { message: 'must be "on" or "off"' }).default("off"),
  MODEL_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  // GET /api/metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, the endpoint is off (404).
  METRICS_TOKEN: z.string().min(16, { message: "must be at least 16 characters long, e.g. `openssl rand -hex 32`" }).optional(),
  // OpenTelemetry traces go to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318); unset, tracing is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ message: "must be an absolute URL such as http://127.0.0.1:4318" }).optional(),
  MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  // Heartbeats and recovery: margin past an agent's expected cadence (cooldown + model call) before its
  // heartbeat is stale and the watchdog restarts it; and when the watchdog runs.
  WATCHDOG_STALE_SECONDS: z.coerce.number({ message: "must be a number of seconds" }).int().min(10).max(86_400).default(300),
  // A spend reservation older than this belongs to a call cut off by a crash (no call lasts this long):
  // the watchdog charges it at its worst case (server/operations/watchdog.ts settleOrphanedReservations).
  ORPHANED_RESERVATION_SECONDS: z.coerce.number({ message: "must be a number of seconds" }).int().min(60).max(86_400).default(900),
  // Channel deliveries (server/channels/, docs/decisions/037): attempts before a delivery is dead-lettered, and
  // the first wait between attempts (doubling each time, up to 5 minutes; a receiver's Retry-After wins).
  CHANNEL_MAX_ATTEMPTS: z.coerce.number({ message: "must be a number" }).int().min(1).max(20).default(6),
  CHANNEL_RETRY_BASE_MS: z.coerce.number({ message: "must be a number of milliseconds" }).int().min(100).max(600_000).default(2_000),
  // An agent the watchdog restarted this many times within an hour is marked failed instead of restarted again.
  WATCHDOG_MAX_RESTARTS_PER_HOUR: z.coerce.number({ message: "must be a number" }).int().min(1).max(1000).default(5),
  WATCHDOG_CRON: z
    .string()
    .default("* * * * *")
    .refine((value) => checkCron(value) === null, { message: 'must be a cron expression such as "* * * * *"' }),
  // Hibernation (docs/decisions/016): idle agents' old events move to cold storage after this many hours;
  // cold segments are deleted after COLD_RETENTION_DAYS (unset: kept forever); files live under
  // COLD_STORAGE_DIR (default <LONGHAUL_DATA_DIR>/cold).
  HIBERNATE_AFTER_HOURS: z.coerce.number({ message: "must be a number of hours" }).min(0).max(87_600).default(72),
  COLD_RETENTION_DAYS: z.coerce.number({ message: "must be a number of days" }).int().min(1, { message: "must be at least 1" }).optional(),
  COLD_STORAGE_DIR: z.string().optional(),
  // Webhook and schedule deliveries are remembered this long for de-duplication and the Triggers tab
  // (their payloads stay in the agents' event logs); older rows are deleted hourly.
  TRIGGER_DELIVERY_RETENTION_DAYS: z.coerce
    .number({ message: "must be a number of days" })
    .int()
    .min(1, { message: "must be at least 1" })
    .default(30),
  // Imports of agent exports (docs/decisions/021): the largest file and line count accepted, and how many
  // imports one team may start per hour (one runs at a time per team).
  IMPORT_MAX_MB: z.coerce.number({ message: "must be a number of megabytes" }).int().min(1).max(1024).default(25),
  IMPORT_MAX_LINES: z.coerce.number({ message: "must be a number of lines" }).int().min(10).max(10_000_000).default(200_000),
  IMPORTS_PER_HOUR: z.coerce.number({ message: "must be a number" }).int().min(1).max(10_000).default(20),
  // Replaces the built-in price table: {"default": {...}, "models": {"name": {"inputPerMillion": n, "outputPerMillion": n}}}.
  LONGHAUL_PRICES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      try {
        return parsePriceTable(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^LONGHAUL_PRICES:? ?/, "") });
        return z.NEVER;
      }
    }),
};

export const env = createEnv({
  server: serverEnvSchema,
  client: {},
  experimental__runtimeEnv: {},
  skipValidation: process.env.SKIP_ENV_VALIDATION === "1",
  emptyStringAsUndefined: true,
  onValidationError: (issues) => {
    const lines = issues.map((issue) => {
      const name = issue.path?.map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".") ?? "?";
      return `  ${name}: ${issue.message}`;
    });
    const message = `Invalid environment configuration:\n${lines.join("\n")}\nSee README.md#configuration.`;
    console.error(message);
    throw new Error(message);
  },
});
