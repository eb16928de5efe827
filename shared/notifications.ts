import { z } from "zod";

/**
 * Notifications (issue 21): what happened to an agent that a person may want to hear about outside the
 * dashboard, and the rules that send them to channels. Plain data and zod: safe for the browser.
 * docs/decisions/037.
 */
export const NOTIFICATION_KINDS = [
  "approval_requested",
  "question_asked",
  "budget_soft_limit",
  "budget_exhausted",
  "stuck",
  "failed",
  "completed",
  "watchdog_gave_up",
  "woken",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const NOTIFICATION_KIND_INFO: Record<NotificationKind, { label: string; description: string }> = {
  approval_requested: {
    label: "Approval requested",
    description: "An agent waits for a person to approve a tool call or an unknown outcome.",
  },
  question_asked: { label: "Question asked", description: "An agent asked a person a question (ask_human) and waits for the answer." },
  budget_soft_limit: { label: "Soft budget limit", description: "An agent spent past its soft limit and waits for a raise or a stop." },
  budget_exhausted: { label: "Budget exhausted", description: "An agent reached its hard budget limit and stopped." },
  stuck: { label: "Stuck", description: "An agent repeats itself or learns nothing new, and waits for a person." },
  failed: { label: "Failed", description: "An agent's run ended in failure." },
  completed: { label: "Completed", description: "An agent finished its goal." },
  watchdog_gave_up: { label: "Watchdog gave up", description: "An agent's run died too often; the watchdog stopped restarting it." },
  woken: { label: "Woken", description: "A hibernated agent was woken by a webhook or a schedule." },
};

/** The longest minimum interval of a rule: one day. */
export const NOTIFICATION_MAX_INTERVAL_SECONDS = 86_400;
/** The most rules a team may have (team rules; each person has at most one own rule). */
export const NOTIFICATION_MAX_RULES = 50;

const kindsSchema = z
  .array(z.enum(NOTIFICATION_KINDS, { message: "Pick kinds from the list." }), { message: "Pick at least one kind of event." })
  .min(1, { message: "Pick at least one kind of event." })
  .max(NOTIFICATION_KINDS.length)
  .transform((kinds) => [...new Set(kinds)]);

const intervalSchema = z
  .number({ message: "Enter the minimum interval in seconds (0 sends each at once)." })
  .int({ message: "Enter whole seconds." })
  .min(0, { message: "The interval cannot be negative." })
  .max(NOTIFICATION_MAX_INTERVAL_SECONDS, { message: "The interval can be at most one day (86400 seconds)." });

/** A team rule: which kinds go to which channels, at most once per interval (the rest in one digest). */
export const notificationRuleInputSchema = z.object({
  name: z
    .string({ message: "Name the rule." })
    .trim()
    .min(1, { message: "Name the rule, e.g. Approvals to Slack." })
    .max(80, { message: "Names can be at most 80 characters." }),
  kinds: kindsSchema,
  channelIds: z
    .array(z.uuid({ message: "That channel id is not valid." }), { message: "Pick at least one channel." })
    .min(1, { message: "Pick at least one channel." })
    .max(20, { message: "A rule can send to at most 20 channels." })
    .transform((ids) => [...new Set(ids)]),
  minIntervalSeconds: intervalSchema,
  isEnabled: z.boolean().default(true),
});
export type NotificationRuleInput = z.input<typeof notificationRuleInputSchema>;

/** A person's own rule: these kinds, by e-mail to their own address through the team's e-mail channel. */
export const myNotificationRuleInputSchema = z.object({
  kinds: z
    .array(z.enum(NOTIFICATION_KINDS, { message: "Pick kinds from the list." }))
    .max(NOTIFICATION_KINDS.length)
    .transform((kinds) => [...new Set(kinds)]),
  minIntervalSeconds: intervalSchema,
  isEnabled: z.boolean(),
});
export type MyNotificationRuleInput = z.input<typeof myNotificationRuleInputSchema>;
