import "server-only";
import { z } from "zod";
import { AGENT_STATUSES } from "../../../shared/agent-status";
import { providerCompatSchema } from "../../../shared/provider-kinds";
import { NOTIFICATION_KINDS } from "../../../shared/notifications";
import { TEAM_ROLES } from "../../../shared/roles";

/**
 * What the public API answers, as zod schemas: the OpenAPI document's response schemas are generated
 * from them, and every answer is checked against them before it leaves (tRPC's output validation),
 * so a field the domain functions add later is not published until it is written here. Money is a
 * decimal string in USD; times are ISO 8601 strings.
 */
const id = z.uuid();
const usd = z.string().meta({ description: 'US dollars as a decimal string, e.g. "0.0042".' });
const time = z.date().meta({ description: "An ISO 8601 time." });

export const ok = z.object({ ok: z.literal(true) });

export const teamInfo = z.object({
  team: z.object({ id: z.string(), name: z.string() }),
  role: z.enum(TEAM_ROLES).meta({ description: "The role this token acts with: its own, capped by its creator's role now." }),
  tokenId: z.string().nullable(),
});

export const agent = z
  .object({
    id,
    name: z.string(),
    goal: z.string(),
    provider: z.string().meta({ description: 'A provider id of the team, or "simulator".' }),
    model: z.string(),
    status: z.enum(AGENT_STATUSES),
    statusReason: z.string().nullable(),
    budgetUsd: usd.nullable(),
    spentUsd: usd,
    cycleCount: z.number().int(),
    lastActiveAt: time.nullable(),
    heartbeatAt: time.nullable(),
    createdAt: time,
  })
  .meta({ id: "Agent" });

export const agentPage = z.object({
  items: z.array(agent.extend({ spendByDay: z.array(usd).meta({ description: "Committed spend per UTC day, oldest first." }) })),
  total: z.number().int(),
  isTotalExact: z.boolean(),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
});

export const agentSettings = z.object({
  settings: z.record(z.string(), z.unknown()).meta({ description: "The agent's settings, in the shape `POST /agents` takes." }),
  version: z
    .number()
    .int()
    .meta({ description: "The settings' version; send it back with a change to refuse overwriting someone else's." }),
  status: z.enum(AGENT_STATUSES),
  isReadOnly: z.boolean(),
  used: z.object({ spentUsd: usd, tokensUsed: z.string(), cycleCount: z.number().int() }),
});

export const agentUpdated = z.object({ agent, changed: z.array(z.string()) });
export const agentForked = z.object({ agent, memoriesCopied: z.number().int(), factsCopied: z.number().int() });

export const event = z
  .object({
    seq: z.number().int(),
    cycle: z.number().int(),
    type: z.string(),
    payload: z.unknown(),
    tokensIn: z.number().int(),
    tokensOut: z.number().int(),
    costUsd: usd,
    durationMs: z.number().int().nullable(),
    createdAt: time,
  })
  .meta({ id: "Event" });

export const eventPage = z.object({
  events: z.array(event),
  nextAfter: z.number().int().meta({ description: "Pass as `after` to get the events written after these (poll with it)." }),
  hasMore: z.boolean().meta({ description: "Whether more events are waiting now (the page was full)." }),
});

export const timeline = z.object({
  cycles: z.array(z.object({ cycle: z.number().int(), events: z.array(event) })),
  lastSeq: z.number().int(),
  nextBeforeCycle: z.number().int().nullable(),
  historyDeletedThroughCycle: z.number().int().nullable(),
});

export const agentState = z.object({
  worldState: z.unknown(),
  summary: z.string(),
  summaryThroughCycle: z.number().int(),
  cycleCount: z.number().int(),
  checkpoints: z.array(z.object({ cycle: z.number().int(), createdAt: time })),
});

const spendAmount = { usd, tokensIn: z.number(), tokensOut: z.number(), tokens: z.number(), calls: z.number().int() };
export const spendReport = z.object({
  agentId: id,
  generatedAt: time,
  totals: z.object({
    spentUsd: usd,
    tokensUsed: z.number(),
    cycleCount: z.number().int(),
    reservedUsd: usd,
    reservedCalls: z.number().int(),
    budgetUsd: usd.nullable(),
    budgetTokens: z.number().nullable(),
    budgetCycles: z.number().int().nullable(),
    softLimitPercent: z.number().int(),
  }),
  byKind: z.array(z.object({ kind: z.string(), ...spendAmount })),
  byModel: z.array(z.object({ kind: z.string(), model: z.string().nullable(), ...spendAmount })),
  series: z.object({ bucketSeconds: z.number().int(), buckets: z.array(z.object({ start: time, usd, calls: z.number().int() })) }),
  forecast: z.object({
    state: z.enum(["no_limit", "reached", "no_recent_spend", "beyond_horizon", "projected"]),
    reachesLimitAt: z.string().nullable(),
    paceUsdPerHour: usd,
    windowMs: z.number(),
  }),
});

const approvalKind = z.string().meta({
  description:
    "tool (an action held for approval), question, stuck, budget, or outcome (a call whose outcome is unknown: retry, done or skip).",
});
export const approval = z
  .object({
    id,
    agentId: id,
    agentName: z.string(),
    kind: approvalKind,
    status: z.string(),
    toolName: z.string().nullable(),
    toolArgs: z.unknown(),
    reason: z.string().nullable(),
    cycle: z.number().int(),
    createdAt: time,
    expiresAt: time.nullable(),
    decidedAt: time.nullable(),
    decidedBy: z.string().nullable(),
    comment: z.string().nullable(),
    answer: z.string().nullable(),
  })
  .meta({ id: "Approval" });

export const memory = z
  .object({
    id,
    kind: z.string(),
    content: z.string(),
    importance: z.number(),
    recallCount: z.number().int(),
    lastRecalledAt: time.nullable(),
    isPinned: z.boolean(),
    archivedAt: time.nullable(),
    sourceEventSeq: z.number().int().nullable(),
    embedder: z.string(),
    isEmbedded: z.boolean(),
    metadata: z.unknown(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "Memory" });

export const memoryPage = z.object({ items: z.array(memory), nextCursor: z.string().nullable() });

export const shareLink = z
  .object({
    id,
    agentId: id,
    status: z.enum(["active", "revoked", "expired"]),
    redactToolData: z.boolean(),
    redactMemories: z.boolean(),
    expiresAt: time.nullable(),
    revokedAt: time.nullable(),
    lastUsedAt: time.nullable(),
    createdAt: time,
    createdBy: z.string().nullable(),
  })
  .meta({ id: "ShareLink" });

export const shareLinkCreated = z.object({
  link: shareLink,
  url: z.string().meta({ description: "The link to hand out. It holds the token, which cannot be read again." }),
});

const probeCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
export const providerTest = z
  .object({
    ok: z.boolean(),
    summary: z.string().meta({ description: "What worked and what did not, in a sentence." }),
    checks: z.array(probeCheck),
    models: z.array(z.string()),
    compat: providerCompatSchema,
    testedAt: z.string(),
  })
  .meta({ id: "ProviderTest" });

export const provider = z
  .object({
    id,
    name: z.string(),
    kind: z.string(),
    baseUrl: z.string().nullable(),
    hasKey: z.boolean(),
    apiKeyLast4: z.string().nullable().meta({ description: "The key's last four characters; the key itself is never returned." }),
    keyVersion: z.number().int(),
    headerNames: z.array(z.string()).meta({ description: "Names of the extra headers; their values are never returned." }),
    timeoutSeconds: z.number().int(),
    compat: providerCompatSchema,
    lastTest: providerTest.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "Provider" });

export const modelPrice = z.object({
  model: z.string(),
  inputPerMillion: z.number().meta({ description: "USD per million input tokens." }),
  outputPerMillion: z.number().meta({ description: "USD per million output tokens." }),
  isFree: z.boolean(),
  updatedAt: time,
});
export const modelPrices = z.object({
  prices: z.array(modelPrice),
  instance: z
    .array(z.object({ model: z.string(), inputPerMillion: z.number(), outputPerMillion: z.number() }))
    .meta({ description: "The instance's default prices (LONGHAUL_PRICES), which a provider's own prices override." }),
});

export const embedder = z.object({
  choice: z.union([
    z.object({ kind: z.literal("offline") }),
    z.object({ kind: z.literal("provider"), providerId: id, providerName: z.string(), model: z.string() }),
  ]),
  embedderId: z.string(),
  memories: z.number().int(),
  waiting: z
    .number()
    .int()
    .meta({ description: "Memories not yet on this embedder: recall does not find them until they are re-embedded." }),
  reembed: z
    .object({
      embedderId: z.string(),
      requestedAt: z.string(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      failures: z.array(z.object({ agentId: z.string(), agentName: z.string(), message: z.string() })),
    })
    .nullable(),
  isReembedding: z.boolean(),
});

export const summarizer = z.object({
  providerId: id.nullable().meta({ description: "null: each agent's own model writes its summaries." }),
  providerName: z.string().nullable(),
  model: z.string().nullable(),
});

export const summaryRestored = z.object({ seq: z.number().int(), summary: z.string() });

const jsonObject = z.record(z.string(), z.unknown());
export const mcpDiscovery = z
  .object({
    server: z.object({ name: z.string(), version: z.string() }).nullable().meta({ description: "What the server calls itself." }),
    tools: z.array(
      z.object({
        name: z.string(),
        exposedName: z.string().meta({ description: "The name a model sees: `mcp_<slug>_<tool>`, stable across refreshes." }),
        title: z.string().optional(),
        description: z.string().optional(),
        inputSchema: jsonObject,
        outputSchema: jsonObject.optional(),
        annotations: jsonObject.optional().meta({ description: "The server's hints (readOnlyHint, destructiveHint, …)." }),
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
  })
  .meta({ id: "McpDiscovery" });

export const mcpServer = z
  .object({
    id,
    name: z.string(),
    slug: z.string().meta({ description: "Made from the name once and kept: the prefix of the tool names a model sees." }),
    transport: z.enum(["http", "sse", "stdio"]),
    url: z.string().nullable().meta({ description: "A remote server's URL; null for a local one." }),
    headerNames: z
      .array(z.string())
      .meta({ description: "Names of the headers sent to a remote server; their values are never returned." }),
    command: z.string().nullable().meta({ description: "A local server's command; null for a remote one." }),
    args: z.array(z.string()),
    envNames: z
      .array(z.string())
      .meta({ description: "Names of a local server's environment variables; their values are never returned." }),
    status: z.enum(["unknown", "up", "down"]).meta({ description: "unknown until the first refresh; down with `lastError` saying why." }),
    lastError: z.string().nullable(),
    lastCheckedAt: time.nullable(),
    discovery: mcpDiscovery.nullable().meta({ description: "What the last successful discovery found (kept while the server is down)." }),
    discoveredAt: time.nullable(),
    callCostUsd: z
      .string()
      .nullable()
      .meta({ description: "USD one call of any of its tools costs (reserved before, charged after in the agent's budget); null: free." }),
    callTimeoutSeconds: z.number().int().meta({ description: "How long one tool call may take (progress from the server extends it)." }),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "McpServer" });

export const notificationRule = z
  .object({
    id,
    name: z.string(),
    kinds: z.array(z.enum(NOTIFICATION_KINDS)).meta({ description: "The kinds of event the rule sends." }),
    channelIds: z.array(id).meta({ description: "The team channels it sends to." }),
    minIntervalSeconds: z.number().int().meta({
      description: "At most one message per this many seconds; what comes in between goes out as one digest when it ends. 0: each at once.",
    }),
    isEnabled: z.boolean(),
    lastSentAt: time.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "NotificationRule", description: "A team rule: which kinds of event go to which channels." });
