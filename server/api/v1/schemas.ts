import "server-only";
import { z } from "zod";
import { AGENT_STATUSES } from "../../../shared/agent-status";
import { CHANNEL_KINDS, DELIVERY_SOURCES, DELIVERY_STATUSES } from "../../../shared/channels";
import { providerCompatSchema } from "../../../shared/provider-kinds";
import { NOTIFICATION_KINDS } from "../../../shared/notifications";
import { TEAM_ROLES } from "../../../shared/roles";

/**
 * What the public API answers, as zod schemas: the OpenAPI document's response schemas are generated
 * from them, and every answer is checked against them before it leaves (tRPC's output validation),
 * so a field the domain functions add later is not published until it is written here. Money is a
 * decimal string in USD; times are ISO 8601 strings.
 */
export const id = z.uuid();
export const usd = z.string().meta({ description: 'US dollars as a decimal string, e.g. "0.0042".' });
export const time = z.date().meta({ description: "An ISO 8601 time." });

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
    archivedAt: time.nullable().meta({ description: "When a person archived it (hidden from the default list); null when not archived." }),
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
export const bulkOutcome = z.object({
  done: z.array(id),
  refused: z.array(z.object({ id, name: z.string(), reason: z.string() })),
});

export const agentForked = z.object({ agent, memoriesCopied: z.number().int(), factsCopied: z.number().int() });

/** The answer to a raise: the agent afterwards, and the fields that were not applied with why. */
export const agentAfterRaise = agent.extend({
  notApplied: z
    .object({ budgetUsd: z.string().optional(), budgetTokens: z.string().optional(), budgetCycles: z.string().optional() })
    .meta({
      description:
        "Per field given but not applied, what to change (e.g. the agent has no token limit to raise). Empty when every field was applied.",
    }),
});

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
    actorName: z.string().nullable().meta({
      description:
        'The person who caused the event (a pause, resume or stop, a budget raise, a settings edit, an approval decision), by name: never a user id. Someone no longer in the team is "A former team member". null when no person did (the loop, a trigger, the watchdog, a timeout).',
    }),
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
    state: z.enum(["ended", "no_limit", "reached", "no_recent_spend", "beyond_horizon", "projected"]),
    reachesLimitAt: z.string().nullable(),
    paceUsdPerHour: usd,
    windowMs: z.number(),
    endedReason: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "For state ended (the agent is out of budget, completed, failed, stopped or archived): why, in words." }),
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

const channelAction = z.object({
  label: z.string(),
  url: z.string(),
  style: z.enum(["primary", "danger"]).optional(),
  interactive: z.object({ actionId: z.string(), value: z.string() }).optional(),
});

export const channelDelivery = z
  .object({
    id,
    channel: z.object({ id, name: z.string(), kind: z.enum(CHANNEL_KINDS) }),
    messageId: z.string().meta({
      description: "The message's own id: with the channel, the Idempotency-Key the receiver gets (`<channel id>:<message id>`).",
    }),
    source: z.enum(DELIVERY_SOURCES),
    agent: z.object({ id, name: z.string() }).nullable(),
    status: z
      .enum(DELIVERY_STATUSES)
      .meta({ description: "pending, sending, retrying (nextAttemptAt says when), delivered, or dead (gave up; send it again)." }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    maybeDelivered: z
      .boolean()
      .meta({ description: "An attempt's result was never recorded (Longhaul stopped while sending): the receiver may have it already." }),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: time.nullable(),
    deliveredAt: time.nullable(),
    createdAt: time,
    attemptLog: z.array(
      z.object({
        at: z.string(),
        attempt: z.number().int(),
        outcome: z.enum(["delivered", "retry", "failed", "unknown", "resent"]),
        durationMs: z.number().optional(),
        statusCode: z.number().int().optional(),
        retryAfterMs: z.number().optional(),
        error: z.string().optional(),
      }),
    ),
    message: z
      .object({
        title: z.string(),
        text: z.string(),
        url: z.string().optional(),
        fields: z.array(z.object({ label: z.string(), value: z.string() })).optional(),
        actions: z.array(channelAction).optional(),
        to: z.string().optional(),
        data: z.record(z.string(), z.unknown()).optional(),
      })
      .meta({ description: "What was sent, before it was shaped for the channel; approval-link tokens replaced by [token]." }),
  })
  .meta({ id: "ChannelDelivery" });

export const channelDeliveryPage = z.object({ items: z.array(channelDelivery), nextCursor: z.uuid().nullable() });
const channelLastTest = z.object({
  ok: z.boolean(),
  statusCode: z
    .number()
    .int()
    .nullable()
    .meta({ description: "The HTTP status (or SMTP reply code) the receiver answered, if it answered." }),
  message: z.string().meta({ description: 'What happened, in a sentence: "Delivered in 84 ms (HTTP 200)." or why not.' }),
  at: z.string().meta({ description: "An ISO 8601 time." }),
  durationMs: z.number().int(),
});

export const channel = z
  .object({
    id,
    name: z.string(),
    kind: z.enum(["webhook", "slack", "teams", "discord", "mattermost", "email"]),
    targetHint: z.string().meta({ description: 'Where it sends, enough to tell channels apart: "hooks.slack.com …x1f9".' }),
    ratePerMinute: z.number().int(),
    isEnabled: z.boolean(),
    email: z
      .object({
        host: z.string(),
        port: z.number().int(),
        security: z.enum(["tls", "starttls", "none"]),
        user: z.string(),
        from: z.string(),
        recipients: z.array(z.string()),
      })
      .nullable()
      .meta({ description: "An e-mail channel's SMTP settings (never the password); null for other kinds." }),
    secretsSet: z
      .object({ url: z.boolean(), signingSecret: z.boolean(), slackSigningSecret: z.boolean(), password: z.boolean() })
      .meta({ description: "Which write-only values are stored; their values are never returned." }),
    lastTest: channelLastTest.nullable(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "Channel" });

export const channelCreated = z.object({
  channel,
  signingSecret: z
    .string()
    .nullable()
    .meta({ description: "An outgoing webhook's signing secret, shown this once; null for other kinds." }),
});

export const channelDeleted = z.object({
  ok: z.literal(true),
  agentsUpdated: z.number().int().meta({ description: "How many agents sent messages to it (they no longer do)." }),
  message: z.string(),
});

export const channelTest = channelLastTest.extend({ deliveryId: id });
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
