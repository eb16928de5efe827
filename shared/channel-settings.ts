import { z } from "zod";
import { CHANNEL_KINDS, type ChannelKindName } from "./channels";

/**
 * A channel's form (issue 21), the same in the browser and on the server: one flat object whose `kind`
 * says which of the other fields apply (a field of another kind is refused at that field). Write-only
 * values (URLs of chat tools, the Slack app's signing secret, the SMTP password) are never shown again:
 * on edit an empty one keeps what is stored. Decision: docs/decisions/037-channels.md.
 */
export const SMTP_SECURITIES = ["tls", "starttls", "none"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITIES)[number];
export const SMTP_SECURITY_LABELS: Record<SmtpSecurity, string> = {
  tls: "TLS from the start (usually port 465)",
  starttls: "STARTTLS (usually port 587)",
  none: "None: plain text (only for a relay on your own network)",
};
export const SMTP_DEFAULT_PORTS: Record<SmtpSecurity, number> = { tls: 465, starttls: 587, none: 25 };

export const CHANNEL_RATE_DEFAULT = 30;
export const CHANNEL_RATE_MAX = 600;
export const CHANNEL_MAX_RECIPIENTS = 20;

/** Where each kind's incoming-webhook URL comes from, for the form's hint and the missing-URL message. */
export const CHANNEL_URL_HINTS: Record<Exclude<ChannelKindName, "email">, string> = {
  webhook: "The https URL of your receiver; Longhaul signs every request.",
  slack: "A Slack incoming-webhook URL (https://hooks.slack.com/services/…).",
  teams: "A Teams workflow or incoming-webhook URL.",
  discord: "A Discord webhook URL (https://discord.com/api/webhooks/…).",
  mattermost: "A Mattermost incoming-webhook URL (https://…/hooks/…).",
};

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
/** `ops@example.com` or `Longhaul <ops@example.com>`. */
const FROM = /^(?:[^<>\r\n]{0,100}<\s*([^\s<>]+)\s*>|([^\s<>]+))$/;

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const fields = {
  name: z.string().trim().min(1, { message: "Give the channel a name." }).max(60, { message: "Keep the name under 60 characters." }),
  ratePerMinute: z.coerce
    .number({ message: "Enter how many messages a minute it may send." })
    .int({ message: "Enter a whole number of messages a minute." })
    .min(1, { message: "Allow at least 1 message a minute." })
    .max(CHANNEL_RATE_MAX, { message: `At most ${CHANNEL_RATE_MAX} messages a minute.` }),
  isEnabled: z.boolean(),
  url: z
    .string()
    .trim()
    .max(2000, { message: "Keep the URL under 2,000 characters." })
    .refine((value) => value === "" || isHttpUrl(value), { message: "Enter an http(s) URL like https://hooks.example.com/…" }),
  slackSigningSecret: z
    .string()
    .trim()
    .max(200, { message: "A Slack signing secret is shorter than 200 characters." })
    .refine((value) => value === "" || /^[A-Za-z0-9]{16,200}$/.test(value), {
      message: "Paste the app's Signing Secret from Slack (Basic Information → App Credentials): letters and digits.",
    }),
  host: z
    .string()
    .trim()
    .max(253, { message: "Keep the host under 253 characters." })
    .refine(
      (value) =>
        value === "" ||
        /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$|^[0-9a-fA-F:.]+$/.test(value),
      {
        message: "Enter the SMTP server's host name, like smtp.example.com.",
      },
    ),
  port: z.coerce
    .number({ message: "Enter the SMTP port." })
    .int({ message: "Enter a whole port number." })
    .min(1, { message: "Ports go from 1 to 65535." })
    .max(65535, { message: "Ports go from 1 to 65535." }),
  security: z.enum(SMTP_SECURITIES, { error: () => "Choose TLS, STARTTLS or none." }),
  user: z.string().trim().max(200, { message: "Keep the user under 200 characters." }),
  password: z.string().max(500, { message: "Keep the password under 500 characters." }),
  from: z
    .string()
    .trim()
    .max(300, { message: "Keep the sender under 300 characters." })
    .refine(
      (value) => {
        const match = FROM.exec(value);
        return value === "" || (match !== null && ADDRESS.test(match[1] ?? match[2] ?? ""));
      },
      { message: "Enter the sender as ops@example.com or Longhaul <ops@example.com>." },
    ),
  recipients: z
    .array(z.string().trim().regex(ADDRESS, { message: "Enter e-mail addresses like ops@example.com." }))
    .max(CHANNEL_MAX_RECIPIENTS, { message: `At most ${CHANNEL_MAX_RECIPIENTS} recipients.` })
    .refine((list) => new Set(list.map((a) => a.toLowerCase())).size === list.length, { message: "Each recipient once." }),
};

/** The fields each kind has besides the common ones (name, rate, enabled). */
export const CHANNEL_KIND_FIELDS: Record<ChannelKindName, readonly string[]> = {
  webhook: ["url"],
  slack: ["url", "slackSigningSecret", "removeSlackSigningSecret"],
  teams: ["url"],
  discord: ["url"],
  mattermost: ["url"],
  email: ["host", "port", "security", "user", "password", "from", "recipients"],
};
const KIND_SPECIFIC = [
  "url",
  "slackSigningSecret",
  "removeSlackSigningSecret",
  "host",
  "port",
  "security",
  "user",
  "password",
  "from",
  "recipients",
] as const;

const kindSpecific = {
  url: fields.url.optional(),
  slackSigningSecret: fields.slackSigningSecret.optional(),
  host: fields.host.optional(),
  port: fields.port.optional(),
  security: fields.security.optional(),
  user: fields.user.optional(),
  password: fields.password.optional(),
  from: fields.from.optional(),
  recipients: fields.recipients.optional(),
};

type KindSpecific = { [K in (typeof KIND_SPECIFIC)[number]]?: unknown };

/** Refuses at its field anything `kind` does not have. */
function refuseOtherKinds(kind: ChannelKindName, input: KindSpecific, ctx: z.RefinementCtx) {
  for (const key of KIND_SPECIFIC) {
    if (input[key] === undefined || CHANNEL_KIND_FIELDS[kind].includes(key)) continue;
    ctx.addIssue({ code: "custom", path: [key], message: `A ${kind} channel has no ${key} setting.` });
  }
}

/** A new channel: its kind, name, rate and the settings of its kind. */
export const channelInputSchema = z
  .object({
    kind: z.enum(CHANNEL_KINDS, { error: () => `Choose a kind: ${CHANNEL_KINDS.join(", ")}.` }),
    name: fields.name,
    ratePerMinute: fields.ratePerMinute.default(CHANNEL_RATE_DEFAULT),
    isEnabled: fields.isEnabled.default(true),
    ...kindSpecific,
  })
  .superRefine((input, ctx) => {
    refuseOtherKinds(input.kind, input, ctx);
    if (input.kind !== "email") {
      if (!input.url) ctx.addIssue({ code: "custom", path: ["url"], message: `Enter the URL. ${CHANNEL_URL_HINTS[input.kind]}` });
      return;
    }
    if (!input.host) ctx.addIssue({ code: "custom", path: ["host"], message: "Enter the SMTP server's host name, like smtp.example.com." });
    if (input.port === undefined) ctx.addIssue({ code: "custom", path: ["port"], message: "Enter the SMTP port." });
    if (!input.security) ctx.addIssue({ code: "custom", path: ["security"], message: "Choose TLS, STARTTLS or none." });
    if (!input.from) ctx.addIssue({ code: "custom", path: ["from"], message: "Enter the sender, like Longhaul <ops@example.com>." });
    if (!input.recipients?.length) ctx.addIssue({ code: "custom", path: ["recipients"], message: "Add at least one recipient." });
    if (input.user && !input.password) ctx.addIssue({ code: "custom", path: ["password"], message: "Enter the password for this user." });
  });
export type ChannelInput = z.input<typeof channelInputSchema>;
export type ChannelInputParsed = z.output<typeof channelInputSchema>;

/**
 * A change: only the fields sent change, the kind stays. An empty (or absent) URL, Slack signing secret
 * or password keeps the stored one; `removeSlackSigningSecret` drops the Slack one (link buttons only).
 */
export const channelUpdateSchema = z.object({
  name: fields.name.optional(),
  ratePerMinute: fields.ratePerMinute.optional(),
  isEnabled: fields.isEnabled.optional(),
  removeSlackSigningSecret: z.boolean().optional(),
  ...kindSpecific,
});
export type ChannelUpdate = z.input<typeof channelUpdateSchema>;

/** Checks an update against the stored channel's kind (the update schema alone does not know it). */
export function channelUpdateIssues(kind: ChannelKindName, input: ChannelUpdate): Record<string, string[]> {
  const issues: Record<string, string[]> = {};
  for (const key of KIND_SPECIFIC) {
    if (input[key] === undefined || CHANNEL_KIND_FIELDS[kind].includes(key)) continue;
    issues[key] = [`A ${kind} channel has no ${key} setting.`];
  }
  if (kind === "email") {
    if (input.host === "") issues.host = ["Enter the SMTP server's host name, like smtp.example.com."];
    if (input.from === "") issues.from = ["Enter the sender, like Longhaul <ops@example.com>."];
    if (input.recipients && input.recipients.length === 0) issues.recipients = ["Add at least one recipient."];
  }
  return issues;
}

/** What the last Send test did, as stored on the channel. */
export const channelLastTestSchema = z.object({
  ok: z.boolean(),
  statusCode: z.number().int().nullable(),
  message: z.string(),
  at: z.string(),
  durationMs: z.number().int(),
});
export type ChannelLastTest = z.infer<typeof channelLastTestSchema>;
