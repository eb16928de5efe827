import { z } from "zod";
import { extraHeaderSchema } from "./http-headers";

/**
 * A team's MCP servers (issue 20): the form's schemas, in the browser and on the server, and the names
 * their tools are shown to a model under. Plain data and pure functions, safe for the browser.
 * Decision: docs/decisions/035-mcp-servers.md.
 */
export const MCP_TRANSPORTS = ["http", "sse", "stdio"] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];
export const MCP_STATUSES = ["unknown", "up", "down"] as const;
export type McpStatus = (typeof MCP_STATUSES)[number];

/** The operator's setting that lets teams add local (stdio) servers, named in the refusal. */
export const MCP_STDIO_SETTING = "LONGHAUL_MCP_STDIO";

/** Headers the transport sets itself; a bearer token goes in `Authorization`, which is allowed here. */
const FORBIDDEN_HEADERS = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "accept",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
]);

/** A request header sent to a remote server (e.g. `Authorization: Bearer …`); the value is stored encrypted and never shown again. */
export const mcpHeaderSchema = extraHeaderSchema({
  setByClient: FORBIDDEN_HEADERS,
  setByClientMessage: "The MCP client sets this header itself.",
  valueMax: 4000,
});

/** An environment variable for a local server's process; the value is stored encrypted and never shown again. */
export const mcpEnvSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: "Name the variable." })
    .max(100, { message: "Keep variable names under 100 characters." })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "Variable names use letters, digits and _ and do not start with a digit." }),
  value: z
    .string()
    .max(4000, { message: "Keep values under 4,000 characters." })
    .refine((value) => !value.includes("\0"), { message: "Values cannot contain a NUL character." }),
});

const uniqueNames = (items: { name: string }[], caseInsensitive: boolean) => {
  const names = items.map((item) => (caseInsensitive ? item.name.toLowerCase() : item.name));
  return new Set(names).size === names.length;
};

const fields = {
  name: z
    .string()
    .trim()
    .min(1, { message: "Give the server a name." })
    .max(60, { message: "Keep the name under 60 characters." })
    .refine((name) => /[A-Za-z0-9]/.test(name), { message: "Use at least one letter or digit in the name." }),
  url: z
    .string()
    .trim()
    .max(500, { message: "Keep the URL under 500 characters." })
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
        } catch {
          return false;
        }
      },
      { message: "Enter an http(s) URL like https://mcp.example.com/mcp (a token goes in a header, not in the URL)." },
    ),
  headers: z
    .array(mcpHeaderSchema)
    .max(20, { message: "At most 20 headers." })
    .refine((headers) => uniqueNames(headers, true), { message: "Each header once." }),
  command: z
    .string()
    .trim()
    .min(1, { message: "Enter the command to run, e.g. npx." })
    .max(500, { message: "Keep the command under 500 characters." })
    .refine((value) => !/[\0\r\n]/.test(value), { message: "The command is one line." }),
  args: z
    .array(z.string().max(1000, { message: "Keep each argument under 1,000 characters." }))
    .max(50, { message: "At most 50 arguments." })
    .refine((args) => args.every((arg) => !arg.includes("\0")), { message: "Arguments cannot contain a NUL character." }),
  env: z
    .array(mcpEnvSchema)
    .max(50, { message: "At most 50 variables." })
    .refine((env) => uniqueNames(env, false), { message: "Each variable once." }),
  /** USD per call of any of the server's tools, reserved before the call and charged after; empty or 0: free. */
  callCostUsd: z
    .string()
    .trim()
    .max(20, { message: "Enter a price like 0.01." })
    .refine((value) => value === "" || (/^\d+(\.\d{1,8})?$/.test(value) && Number(value) <= 100), {
      message: "Enter a price per call in USD between 0 and 100, like 0.01 (at most 8 decimals), or leave it empty for free.",
    }),
  callTimeoutSeconds: z.coerce
    .number({ message: "Enter a time limit in seconds." })
    .int({ message: "Enter whole seconds." })
    .min(1, { message: "A call may take at least 1 second." })
    .max(3600, { message: "A call may take at most 3,600 seconds (an hour)." }),
};

/** What every server has whatever its transport: the price and the time limit of one tool call. */
const callFields = { callCostUsd: fields.callCostUsd.optional(), callTimeoutSeconds: fields.callTimeoutSeconds.optional() };

/** A new server: a remote one (http: Streamable HTTP, falling back to HTTP+SSE; sse: HTTP+SSE only) or a local command. */
export const mcpServerInputSchema = z.discriminatedUnion(
  "transport",
  [
    z.object({ transport: z.literal("http"), name: fields.name, url: fields.url, headers: fields.headers.default([]), ...callFields }),
    z.object({ transport: z.literal("sse"), name: fields.name, url: fields.url, headers: fields.headers.default([]), ...callFields }),
    z.object({
      transport: z.literal("stdio"),
      name: fields.name,
      command: fields.command,
      args: fields.args.default([]),
      env: fields.env.default([]),
      ...callFields,
    }),
  ],
  { error: () => "Choose how to reach the server: Streamable HTTP, HTTP+SSE or a local command." },
);
export type McpServerInput = z.input<typeof mcpServerInputSchema>;

/**
 * An update: any field of the server's transport; the transport itself stays (delete and add to change
 * it). `headers` and `env`, when given, replace every header or variable (their values are never read back).
 */
export const mcpServerUpdateSchema = z.object({
  name: fields.name.optional(),
  url: fields.url.optional(),
  headers: fields.headers.optional(),
  command: fields.command.optional(),
  args: fields.args.optional(),
  env: fields.env.optional(),
  ...callFields,
});
export type McpServerUpdate = z.input<typeof mcpServerUpdateSchema>;

/** What a server's card shows of its OAuth sign-in (server/mcp/oauth.ts). */
export const MCP_AUTH_STATUSES = ["none", "required", "authorized"] as const;

/**
 * How an OAuth sign-in ended, in the URL the callback sends the browser to (/team/mcp?oauth=…&server=…):
 * codes only, worded by the page (a failure's reason is the server's authError).
 */
export const MCP_OAUTH_RETURNS = ["connected", "state", "someone-else", "expired", "failed"] as const;
export type McpOAuthReturn = (typeof MCP_OAUTH_RETURNS)[number];

export const toolCount = (count: number) => `${count} ${count === 1 ? "tool" : "tools"}`;

export const MCP_OAUTH_RETURN_MESSAGES: Record<McpOAuthReturn, string> = {
  connected: "Signed in.",
  state: "That sign-in link is not valid: it was already used, replaced by a newer one, or not started here. Press Connect again.",
  "someone-else": "That sign-in was started by someone else; only the admin who pressed Connect can finish it.",
  expired: "The sign-in took more than 10 minutes and expired. Press Connect again.",
  failed: "The sign-in did not succeed.",
};

/**
 * A client registered by hand at a server's authorization server (for one that does not allow dynamic
 * registration); the secret is stored encrypted and never shown again.
 */
export const mcpOAuthClientSchema = z.object({
  clientId: z
    .string()
    .trim()
    .min(1, { message: "Enter the client ID the authorization server gave you." })
    .max(500, { message: "Keep the client ID under 500 characters." }),
  clientSecret: z
    .string()
    .trim()
    .max(2000, { message: "Keep the client secret under 2,000 characters." })
    .optional()
    .transform((value) => value || undefined),
});
export type McpOAuthClient = z.input<typeof mcpOAuthClientSchema>;

/** The longest tool name OpenAI-compatible APIs accept, and the characters they allow. */
export const EXPOSED_NAME_MAX = 64;
const NOT_ALLOWED = /[^a-zA-Z0-9_-]+/g;
const HAS_NOT_ALLOWED = /[^a-zA-Z0-9_-]/;

/**
 * A server's slug, from its name: lower case, [a-z0-9-], at most 20 characters ("GitHub (work)" →
 * "github-work"). No "_": the slug ends at the first "_" of `mcp_<slug>_<tool>`, so two servers' tools
 * never meet (slug "a" with tool "b_c" and slug "a_b" with tool "c" would). Unique per team (the
 * server code adds "-2", "-3" when taken) and kept when the server is renamed.
 */
export function slugifyServerName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 20)
    .replace(/-+$/, "");
  return slug || "server";
}

/** The shape of a name `exposedToolNames` gives (what an agent's tool setting may name besides the built-in tools). */
export const MCP_TOOL_NAME_PATTERN = /^mcp_[a-z0-9-]+_[a-zA-Z0-9_-]+$/;

export function isMcpToolName(name: string): boolean {
  return name.startsWith("mcp_") && MCP_TOOL_NAME_PATTERN.test(name);
}

/** The slug of the server an exposed name belongs to (`mcp_<slug>_<tool>`: slugs have no "_"). */
export function slugOfMcpToolName(name: string): string {
  return name.slice(4, name.indexOf("_", 4));
}

/**
 * The approval policy an MCP tool starts with on an agent, from its annotations (hints the server gives,
 * not guarantees): read-only tools need no approval, destructive ones always, any other the first time.
 */
export function defaultMcpApproval(annotations: Record<string, unknown> | undefined): "never" | "always" | "first_time" {
  if (annotations?.destructiveHint === true) return "always";
  if (annotations?.readOnlyHint === true) return "never";
  return "first_time";
}

/** FNV-1a, 32 bits, as 6 base-36 characters: a short, stable tag (not a security measure). */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0").slice(-6);
}

/**
 * The names a server's tools are shown to a model under: `mcp_<slug>_<tool>`, only [a-zA-Z0-9_-], at
 * most 64 characters. The same tool of the same server always gets the same name (it depends only on
 * the slug and the tool's own name, never on the order of the list). A name that had to be shortened
 * or changed by sanitizing ends in `_<hash of the original tool name>`, so two tools that only differ
 * in what was cut or replaced stay apart; if two still meet, each gets the hash suffix.
 */
export function exposedToolNames(slug: string, toolNames: readonly string[]): Map<string, string> {
  const prefix = `mcp_${slug}_`;
  const hashed = (tool: string) => {
    const suffix = `_${shortHash(tool)}`;
    const body = tool.replace(NOT_ALLOWED, "_").slice(0, EXPOSED_NAME_MAX - prefix.length - suffix.length);
    return `${prefix}${body}${suffix}`;
  };
  const plain = (tool: string) => {
    const candidate = `${prefix}${tool}`;
    return candidate.length <= EXPOSED_NAME_MAX && !HAS_NOT_ALLOWED.test(tool) ? candidate : hashed(tool);
  };
  const first = new Map(toolNames.map((tool) => [tool, plain(tool)]));
  const counts = new Map<string, number>();
  for (const name of first.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return new Map(toolNames.map((tool) => [tool, counts.get(first.get(tool)!)! > 1 ? hashed(tool) : first.get(tool)!]));
}

const jsonObject = z.record(z.string(), z.unknown());

/** What the last discovery found, as stored on the server's row and shown on its page. */
export const mcpDiscoverySchema = z.object({
  server: z.object({ name: z.string(), version: z.string() }).nullable(),
  tools: z.array(
    z.object({
      name: z.string(),
      /** The name a model sees (exposedToolNames), unique in the team and stable across refreshes. */
      exposedName: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      inputSchema: jsonObject,
      outputSchema: jsonObject.optional(),
      annotations: jsonObject.optional(),
    }),
  ),
  resources: z.array(
    z.object({
      uri: z.string(),
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      mimeType: z.string().optional(),
    }),
  ),
  resourceTemplates: z.array(
    z.object({ uriTemplate: z.string(), name: z.string(), description: z.string().optional(), mimeType: z.string().optional() }),
  ),
  prompts: z.array(
    z.object({
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      arguments: z.array(z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() })).optional(),
    }),
  ),
});
export type McpDiscovery = z.output<typeof mcpDiscoverySchema>;
