/**
 * Channels (issue 21): the kinds a team's channel can be, the states of a delivery, and the message a
 * delivery carries before it is shaped for its channel. Plain data, safe for the browser; the database
 * enums are kept equal to these lists by tests/unit/channels-vocabulary.test.ts.
 */
export const CHANNEL_KINDS = ["webhook", "slack", "teams", "discord", "mattermost", "email"] as const;
export type ChannelKindName = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABELS: Record<ChannelKindName, string> = {
  webhook: "Outgoing webhook (signed JSON)",
  slack: "Slack",
  teams: "Microsoft Teams",
  discord: "Discord",
  mattermost: "Mattermost",
  email: "E-mail (SMTP)",
};

export const DELIVERY_STATUSES = ["pending", "sending", "retrying", "delivered", "dead"] as const;
export type DeliveryStatusName = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatusName, string> = {
  pending: "Waiting",
  sending: "Sending",
  retrying: "Will retry",
  delivered: "Delivered",
  dead: "Gave up",
};

/** Where a delivery's message came from. */
export const DELIVERY_SOURCES = ["agent_message", "notification", "test", "invitation"] as const;
export type DeliverySource = (typeof DELIVERY_SOURCES)[number];

/**
 * A link in a message: Slack, Teams, Discord and Mattermost show them as buttons or links, e-mail as links,
 * webhooks carry them as data. `interactive` makes it a Slack interactive button (action_id and value)
 * when the Slack channel has an app signing secret; otherwise the URL is used.
 */
export type ChannelAction = {
  label: string;
  url: string;
  style?: "primary" | "danger";
  interactive?: { actionId: string; value: string };
};

/**
 * The keys of a channel's encrypted secrets (one JSON object): `url` for webhook, slack, teams, discord and
 * mattermost; `signingSecret` for an outgoing webhook's HMAC; `slackSigningSecret` for a Slack app's
 * request signing secret (interactive buttons); `password` for SMTP.
 */
export type ChannelSecrets = { url?: string; signingSecret?: string; slackSigningSecret?: string; password?: string };

/**
 * What is sent, before it is shaped for the channel's kind. `to` is only for e-mail and only for messages
 * to one person (an invitation, a person's own notification); otherwise the channel's recipients get it.
 */
export type ChannelMessage = {
  title: string;
  text: string;
  /** Where to read more in the dashboard (absolute, from APP_URL). */
  url?: string;
  fields?: { label: string; value: string }[];
  actions?: ChannelAction[];
  to?: string;
  /** Machine-readable facts for webhook receivers (event kind, agent id, approval id...). */
  data?: Record<string, unknown>;
};

/** The longest wait between two attempts (the first wait, CHANNEL_RETRY_BASE_MS, doubles up to this). */
export const DELIVERY_MAX_BACKOFF_MS = 5 * 60_000;
/** The longest a Retry-After is honoured; a longer one is cut to this. */
export const DELIVERY_MAX_RETRY_AFTER_MS = 15 * 60_000;
/** How long one attempt may take before it is given up as a timeout. */
export const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * The headers of an outgoing webhook (the idempotency and attempt headers go to every HTTP channel): the
 * idempotency key is the same for every attempt of one message to one channel; the signature is the one
 * incoming webhooks use, `t=<unix seconds>,sha256=<hex HMAC-SHA256 of "<t>.<delivery id>.<raw body>">`.
 */
export const WEBHOOK_HEADERS = {
  idempotencyKey: "Idempotency-Key",
  deliveryId: "X-Longhaul-Delivery",
  signature: "X-Longhaul-Signature",
  attempt: "X-Longhaul-Attempt",
} as const;
