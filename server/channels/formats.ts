import "server-only";
import type { ChannelAction, ChannelMessage } from "../../shared/channels";

/**
 * How one message looks in each kind of chat tool: the JSON body each incoming webhook takes, within the
 * tool's own limits (an over-long text is cut with a visible note, never refused by the receiver). Pure
 * functions of the message; the sender adds the headers and sends them.
 */

/** The note at the end of a text that was cut to fit the receiver. */
export const CUT_NOTE = "\n… (shortened; the full text is in Longhaul)";

/** `text` in at most `max` characters: cut with the note (a bare "…" for short things: titles, labels, fields). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = max >= 1000 ? CUT_NOTE : "…";
  let kept = text.slice(0, Math.max(0, max - note.length));
  // Never end on half of a surrogate pair (an emoji cut in two).
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return kept + note;
}

/** Characters Slack and Mattermost read as markup (`<@U123>`, `<!channel>`, links) in mrkdwn. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A Markdown link label without the brackets that would end it early. */
function mdLabel(label: string): string {
  return label.replace(/[[\]]/g, "");
}

function linkList(message: ChannelMessage, render: (label: string, url: string) => string): string[] {
  const links = (message.actions ?? []).map((a) => render(a.label, a.url));
  if (message.url) links.push(render("Open in Longhaul", message.url));
  return links;
}

// Slack: https://api.slack.com/reference/block-kit/blocks (header 150, section 3000, 10 fields of 2000, 25 elements, button text 75).
const SLACK = {
  header: 150,
  section: 3000,
  fields: 10,
  field: 2000,
  buttons: 25,
  buttonText: 75,
  fallback: 3000,
  value: 2000,
  actionId: 255,
};

function slackButton(action: ChannelAction, index: number, isInteractive: boolean) {
  const button: Record<string, unknown> = {
    type: "button",
    text: { type: "plain_text", text: cut(action.label, SLACK.buttonText), emoji: true },
  };
  if (action.style) button.style = action.style;
  if (isInteractive && action.interactive) {
    button.action_id = action.interactive.actionId.slice(0, SLACK.actionId);
    button.value = action.interactive.value.slice(0, SLACK.value);
  } else {
    button.action_id = `longhaul-link-${index}`;
    button.url = action.url;
  }
  return button;
}

/**
 * A Slack incoming-webhook body: Block Kit with a plain `text` fallback (notifications, old clients).
 * Buttons open their URL; with `isInteractive` (the channel has a Slack app signing secret) an action with
 * `interactive` becomes a button Slack posts back (action_id, value).
 */
export function slackBody(message: ChannelMessage, { isInteractive }: { isInteractive: boolean }) {
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: cut(message.title, SLACK.header), emoji: true } },
  ];
  if (message.text) blocks.push({ type: "section", text: { type: "mrkdwn", text: cut(slackEscape(message.text), SLACK.section) } });
  const fields = message.fields ?? [];
  if (fields.length > 0) {
    blocks.push({
      type: "section",
      fields: fields
        .slice(0, SLACK.fields)
        .map((f) => ({ type: "mrkdwn", text: cut(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, SLACK.field) })),
    });
  }
  const more = fields.length > SLACK.fields ? ` · ${fields.length - SLACK.fields} more fields in Longhaul` : "";
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: (message.url ? `Sent by Longhaul · <${message.url}|open in Longhaul>` : "Sent by Longhaul") + more },
    ],
  });
  const actions = message.actions ?? [];
  if (actions.length > 0) {
    blocks.push({ type: "actions", elements: actions.slice(0, SLACK.buttons).map((a, i) => slackButton(a, i, isInteractive)) });
  }
  return { text: cut(`${message.title}\n${message.text}`, SLACK.fallback), blocks };
}

// Mattermost: a post's message is at most 16383 characters; attachments follow Slack's legacy format.
const MATTERMOST_TEXT = 7_000;

/** A Mattermost incoming-webhook body (Slack-compatible text and attachment; links as Markdown). */
export function mattermostBody(message: ChannelMessage) {
  const links = linkList(message, (label, url) => `[${mdLabel(label)}](${url})`);
  const text = [message.text, links.join(" · ")].filter(Boolean).join("\n\n");
  return {
    text: cut(`#### ${message.title}`, 300),
    attachments: [
      {
        fallback: cut(`${message.title}: ${message.text}`, 300),
        title: cut(message.title, 250),
        ...(message.url ? { title_link: message.url } : {}),
        text: cut(text, MATTERMOST_TEXT),
        fields: (message.fields ?? []).slice(0, 20).map((f) => ({ title: cut(f.label, 100), value: cut(f.value, 1000), short: true })),
      },
    ],
  };
}

// Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
const DISCORD = { content: 2000, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, total: 6000 };

/**
 * A Discord webhook body: the title as content (what a notification shows) and one embed, within
 * Discord's limits (the embed's characters together at most 6000). Links go into the description as
 * Markdown (a plain webhook cannot carry buttons). Mentions are switched off: an agent's text never pings.
 */
export function discordBody(message: ChannelMessage) {
  const title = cut(message.title, DISCORD.title);
  const links = linkList(message, (label, url) => `[${mdLabel(label)}](${url})`).join(" · ");
  const linkRoom = links ? links.length + 2 : 0;
  // The description leaves room for the links and for some fields within the 6000 total.
  const description = cut(message.text, Math.min(DISCORD.description - linkRoom, 3000)) + (links ? `\n\n${links}` : "");
  let budget = DISCORD.total - title.length - description.length;
  const fields: { name: string; value: string; inline: boolean }[] = [];
  for (const f of (message.fields ?? []).slice(0, DISCORD.fields)) {
    const name = cut(f.label || "-", DISCORD.fieldName);
    const value = cut(f.value || "-", DISCORD.fieldValue);
    if (name.length + value.length > budget) break;
    budget -= name.length + value.length;
    fields.push({ name, value, inline: true });
  }
  const embed: Record<string, unknown> = { title, description: cut(description, DISCORD.description), fields };
  if (message.url) embed.url = message.url;
  return { content: cut(message.title, DISCORD.content), embeds: [embed], allowed_mentions: { parse: [] as string[] } };
}

// Teams: a message is at most about 28 KB; the text is kept well below that.
const TEAMS_TEXT = 12_000;

/** A Microsoft Teams (workflow / incoming webhook) body: an Adaptive Card with Action.OpenUrl buttons. */
export function teamsBody(message: ChannelMessage) {
  const body: Record<string, unknown>[] = [
    { type: "TextBlock", text: cut(message.title, 300), weight: "Bolder", size: "Medium", wrap: true },
  ];
  if (message.text) body.push({ type: "TextBlock", text: cut(message.text, TEAMS_TEXT), wrap: true });
  const fields = message.fields ?? [];
  if (fields.length > 0)
    body.push({ type: "FactSet", facts: fields.slice(0, 20).map((f) => ({ title: cut(f.label, 100), value: cut(f.value, 1000) })) });
  const actions = [
    ...(message.actions ?? []).slice(0, 5).map((a) => ({ type: "Action.OpenUrl", title: cut(a.label, 60), url: a.url })),
    ...(message.url ? [{ type: "Action.OpenUrl", title: "Open in Longhaul", url: message.url }] : []),
  ];
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", body, actions },
      },
    ],
  };
}

/** An outgoing webhook's body: the message as data, with the delivery facts a receiver deduplicates by. */
export function webhookBody(
  message: ChannelMessage,
  attempt: { idempotencyKey: string; deliveryId: string; attempt: number; maybeDelivered: boolean },
  sentAt = new Date(),
) {
  return {
    id: attempt.idempotencyKey,
    deliveryId: attempt.deliveryId,
    attempt: attempt.attempt,
    maybeDelivered: attempt.maybeDelivered,
    title: message.title,
    text: message.text,
    url: message.url ?? null,
    fields: message.fields ?? [],
    actions: message.actions ?? [],
    data: message.data ?? {},
    sentAt: sentAt.toISOString(),
  };
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** An e-mail's subject, text and HTML: the text as written, the HTML escaped with the links as buttons. */
export function emailContent(message: ChannelMessage) {
  const subject = cut(message.title.replace(/[\r\n]+/g, " "), 200);
  const fieldLines = (message.fields ?? []).map((f) => `${f.label}: ${f.value}`);
  const links = linkList(message, (label, url) => `${label}: ${url}`);
  const text = [message.text, fieldLines.join("\n"), links.join("\n")].filter(Boolean).join("\n\n");
  const button = (label: string, url: string) =>
    `<a href="${htmlEscape(url)}" style="display:inline-block;margin:4px 8px 4px 0;padding:8px 14px;border-radius:6px;background:#1f2937;color:#ffffff;text-decoration:none">${htmlEscape(label)}</a>`;
  const rows = (message.fields ?? [])
    .map((f) => `<tr><th align="left" style="padding:2px 12px 2px 0">${htmlEscape(f.label)}</th><td>${htmlEscape(f.value)}</td></tr>`)
    .join("");
  const html = [
    `<div style="font-family:system-ui,sans-serif;font-size:14px;line-height:1.5;color:#111827">`,
    `<h2 style="font-size:18px;margin:0 0 12px">${htmlEscape(message.title)}</h2>`,
    message.text ? `<p style="white-space:pre-wrap;margin:0 0 12px">${htmlEscape(message.text)}</p>` : "",
    rows ? `<table style="margin:0 0 12px;border-collapse:collapse">${rows}</table>` : "",
    `<p>${linkList(message, button).join("")}</p>`,
    `</div>`,
  ].join("");
  return { subject, text, html };
}
