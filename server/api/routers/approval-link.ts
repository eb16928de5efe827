import "server-only";
import { z } from "zod";
import { decideThroughLink, viewApprovalLink } from "../../approval-links/links";
import { pendingAcrossTeams } from "../../approval-links/pending";
import { linkSlackUser } from "../../approval-links/slack";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/**
 * Approval links (docs/decisions/037): signed-in procedures that check the person's membership and role
 * in the link's team themselves (the link names the team, not the person's active team).
 */
// Any text: a malformed token is answered like an unknown one, not as an invalid field.
const token = z.string().max(4096);

export const approvalLinkRouter = createTRPCRouter({
  view: protectedProcedure
    .input(z.object({ token }))
    .query(({ ctx, input }) => viewApprovalLink({ token: input.token, userId: ctx.user.id })),

  decide: protectedProcedure
    .input(
      z.object({
        token,
        decision: z.enum(["approved", "rejected"]),
        comment: z.string().trim().max(2000).optional(),
        answer: z.string().trim().max(10_000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const done = await decideThroughLink({ ...input, userId: ctx.user.id, via: "link" });
      return { status: done.status, decidedAt: done.decidedAt, decidedBy: done.decidedBy };
    }),

  /** Ties a Slack user to the signed-in person (the one-time link an unlinked Slack user was given). */
  linkSlack: protectedProcedure
    .input(z.object({ token }))
    .mutation(({ ctx, input }) => linkSlackUser({ token: input.token, userId: ctx.user.id })),

  /** Pending approvals across the person's teams where they decide them (the navigation's count). */
  pendingCount: protectedProcedure.query(({ ctx }) => pendingAcrossTeams({ userId: ctx.user.id })),
});
