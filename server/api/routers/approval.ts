import "server-only";
import { z } from "zod";
import { decideApproval } from "../../agents/control";
import { createTRPCRouter, teamProcedure } from "../trpc";

const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;

export const approvalRouter = createTRPCRouter({
  /** The team's held actions and open questions, oldest first. */
  listPending: teamProcedure("agent:view").query(({ ctx }) =>
    ctx.db.approval.findMany({
      where: { teamId: ctx.team.id, status: "pending" },
      orderBy: { createdAt: "asc" },
      take: 200,
      select: {
        id: true,
        agentId: true,
        kind: true,
        toolName: true,
        toolArgs: true,
        reason: true,
        cycle: true,
        createdAt: true,
        expiresAt: true,
        agent: { select: { name: true } },
      },
    }),
  ),

  /** The team's approvals decided (or timed out, or cancelled) in the last day, newest first, with who decided. */
  listRecent: teamProcedure("agent:view").query(({ ctx }) =>
    ctx.db.approval.findMany({
      where: { teamId: ctx.team.id, status: { not: "pending" }, decidedAt: { gte: new Date(Date.now() - RECENT_WINDOW_MS) } },
      orderBy: { decidedAt: "desc" },
      take: 20,
      select: {
        id: true,
        agentId: true,
        kind: true,
        status: true,
        toolName: true,
        comment: true,
        answer: true,
        decidedAt: true,
        decidedBy: { select: { name: true } },
        agent: { select: { name: true } },
      },
    }),
  ),

  decide: teamProcedure("approval:decide")
    .input(
      z.object({
        approvalId: z.uuid({ message: "That approval id is not valid." }),
        decision: z.enum(["approved", "rejected"]),
        comment: z.string().trim().max(2000).optional(),
        answer: z.string().trim().max(10_000).optional(),
      }),
    )
    .mutation(({ ctx, input }) => decideApproval({ teamId: ctx.team.id, userId: ctx.user.id, ...input })),
});
