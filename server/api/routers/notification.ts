import "server-only";
import { z } from "zod";
import { myNotificationRuleInputSchema, notificationRuleInputSchema } from "../../../shared/notifications";
import { recentInputSchema, recentNotifications } from "../../notifications/recent";
import {
  createNotificationRule,
  deleteNotificationRule,
  listNotificationRules,
  myNotificationRule,
  setMyNotificationRule,
  updateNotificationRule,
} from "../../notifications/rules";
import { createTRPCRouter, teamProcedure } from "../trpc";

const id = z.uuid({ message: "That rule id is not valid." });

/**
 * Notification rules (issue 21, decision 037): everyone in the team reads the team's rules and its recent
 * notifications; admins ("channel:manage") change team rules; each person sets their own e-mail rule.
 */
export const notificationRouter = createTRPCRouter({
  rules: teamProcedure("team:view").query(({ ctx }) => listNotificationRules({ teamId: ctx.team.id })),

  createRule: teamProcedure("channel:manage")
    .input(notificationRuleInputSchema)
    .mutation(({ ctx, input }) => createNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  updateRule: teamProcedure("channel:manage")
    .input(notificationRuleInputSchema.extend({ id }))
    .mutation(({ ctx, input: { id: ruleId, ...input } }) =>
      updateNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, ruleId, input }),
    ),

  deleteRule: teamProcedure("channel:manage")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, ruleId: input.id })),

  /** The caller's own e-mail rule in the active team, and whether the team can e-mail at all. */
  myRules: teamProcedure("team:view").query(({ ctx }) => myNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id })),

  setMyRule: teamProcedure("team:view")
    .input(myNotificationRuleInputSchema)
    .mutation(({ ctx, input }) => setMyNotificationRule({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  recent: teamProcedure("team:view")
    .input(recentInputSchema)
    .query(({ ctx, input }) => recentNotifications({ teamId: ctx.team.id, limit: input.limit })),
});
