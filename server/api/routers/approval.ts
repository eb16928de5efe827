import "server-only";
import { z } from "zod";
import { listInboxApprovals } from "../../agents/approval-list";
import { decideApprovalInItsTeam } from "../../agents/decide-in-team";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** Optionally one team of the person's (the inbox's team filter); every team of theirs otherwise. */
const inboxInput = z.object({ teamId: z.string().trim().min(1).max(64).optional() }).optional();

/**
 * The approvals inbox spans every team the person belongs to (issue 22): each list is scoped by their
 * memberships, and a decision is checked in the approval's own team, whichever team is active.
 */
export const approvalRouter = createTRPCRouter({
  /** Held actions and open questions of the person's teams, oldest first, each with its team and whether they may decide it. */
  listPending: protectedProcedure
    .input(inboxInput)
    .query(({ ctx, input }) => listInboxApprovals({ userId: ctx.user.id, teamId: input?.teamId, which: "pending" })),

  /** Approvals of the person's teams decided (or timed out, or cancelled) in the last day, newest first, with who decided. */
  listRecent: protectedProcedure
    .input(inboxInput)
    .query(({ ctx, input }) => listInboxApprovals({ userId: ctx.user.id, teamId: input?.teamId, which: "recent" })),

  /** Decides an approval of any of the person's teams, with approval:decide checked in that team. */
  decide: protectedProcedure
    .input(
      z.object({
        approvalId: z.uuid({ message: "That approval id is not valid." }),
        decision: z.enum(["approved", "rejected"]),
        comment: z.string().trim().max(2000).optional(),
        answer: z.string().trim().max(10_000).optional(),
      }),
    )
    .mutation(({ ctx, input }) => decideApprovalInItsTeam({ userId: ctx.user.id, ...input })),
});
