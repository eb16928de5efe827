import "server-only";
import { z } from "zod";
import { deliveryListInput, listDeliveries, resendDelivery } from "../../channels/delivery-log";
import { createTRPCRouter, teamProcedure } from "../trpc";

/** The team's channel deliveries (issue 21): the log everyone in the team reads; admins send a dead one again. */
export const deliveryRouter = createTRPCRouter({
  list: teamProcedure("team:view")
    .input(deliveryListInput)
    .query(({ ctx, input }) => listDeliveries({ teamId: ctx.team.id, ...input })),

  resend: teamProcedure("channel:manage")
    .input(z.object({ id: z.uuid({ message: "That delivery id is not valid." }) }))
    .mutation(({ ctx, input }) => resendDelivery({ teamId: ctx.team.id, userId: ctx.user.id, deliveryId: input.id })),
});
