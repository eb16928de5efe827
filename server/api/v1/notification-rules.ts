import "server-only";
import { z } from "zod";
import { notificationRuleInputSchema } from "../../../shared/notifications";
import { createNotificationRule, deleteNotificationRule, listNotificationRules, updateNotificationRule } from "../../notifications/rules";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const TAG = "Notification rules";
const ruleId = z.uuid({ message: "That rule id is not valid." });

/**
 * A team's notification rules (issue 21), on the same permissions and functions as the dashboard's
 * `notification` router: anyone in the team reads them, admins manage them. A person's own e-mail rule
 * is theirs to set in the dashboard; tokens do not act for one person.
 */
export const notificationRulesApi = createTRPCRouter({
  list: teamProcedure("team:view")
    .meta(route("GET", "/notification-rules", TAG, "List notification rules"))
    .output(z.array(out.notificationRule))
    .query(({ ctx }) => listNotificationRules({ teamId: ctx.team.id })),

  create: teamProcedure("channel:manage")
    .meta(
      route(
        "POST",
        "/notification-rules",
        TAG,
        "Add a notification rule",
        "Kinds of event (approval_requested, question_asked, budget_soft_limit, budget_exhausted, stuck, failed, completed, watchdog_gave_up, woken), the team channels to send them to, and the minimum interval between messages (0: each at once; otherwise one digest at the end of the interval).",
      ),
    )
    .input(notificationRuleInputSchema)
    .output(out.notificationRule)
    .mutation(({ ctx, input }) => createNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  update: teamProcedure("channel:manage")
    .meta(route("PUT", "/notification-rules/{id}", TAG, "Replace a notification rule", "Every field is sent; the rule takes them all."))
    .input(notificationRuleInputSchema.extend({ id: ruleId }))
    .output(out.notificationRule)
    .mutation(({ ctx, input: { id, ...input } }) =>
      updateNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, ruleId: id, input }),
    ),

  delete: teamProcedure("channel:manage")
    .meta(route("DELETE", "/notification-rules/{id}", TAG, "Delete a notification rule"))
    .input(z.object({ id: ruleId }))
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await deleteNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, ruleId: input.id });
      return { ok: true as const };
    }),
});
