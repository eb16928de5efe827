import "server-only";
import { z } from "zod";
import { deliveryListInput, listDeliveries, resendDelivery } from "../../channels/delivery-log";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const TAG = "Channel deliveries";

/** The team's delivery log (issue 21) on the same permissions and functions as the dashboard's `delivery` router. */
export const deliveriesApi = createTRPCRouter({
  list: teamProcedure("team:view")
    .meta(
      route(
        "GET",
        "/deliveries",
        TAG,
        "List channel deliveries",
        "Newest first, 25 a page (`limit` up to 100); filter by `channelId` and `status`; pass `nextCursor` as `cursor` for the next page.",
      ),
    )
    .input(deliveryListInput.extend({ limit: z.coerce.number().int().min(1).max(100).default(25) }))
    .output(out.channelDeliveryPage)
    .query(({ ctx, input }) => listDeliveries({ teamId: ctx.team.id, ...input })),

  resend: teamProcedure("channel:manage")
    .meta(
      route(
        "POST",
        "/deliveries/{id}/resend",
        TAG,
        "Send a dead delivery again",
        "Only a dead-lettered one: it gets a fresh set of attempts with the same idempotency key. A delivered one, or one still being tried, is refused (409).",
      ),
    )
    .input(z.object({ id: z.uuid({ message: "That delivery id is not valid." }) }))
    .output(z.object({ id: z.uuid(), status: z.literal("pending") }))
    .mutation(({ ctx, input }) => resendDelivery({ teamId: ctx.team.id, userId: ctx.user.id, deliveryId: input.id })),
});
