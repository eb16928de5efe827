import "server-only";
import { z } from "zod";
import { auditFilterOptions, AUDIT_PAGE_MAX, listAuditLog } from "../../audit/audit";
import { createTRPCRouter, teamProcedure } from "../trpc";

const optionalDate = (label: string) =>
  z.preprocess(
    (v) => (v === "" || v === null ? undefined : v),
    z.coerce.date({ message: `Enter the ${label} as a date, e.g. 2026-11-27.` }).optional(),
  );

/** The team's audit log: admins and owners (the team:manage permission). */
export const auditRouter = createTRPCRouter({
  list: teamProcedure("audit:view")
    .input(
      z.object({
        action: z
          .string()
          .trim()
          .max(60)
          .regex(/^[a-z_]*(\.[a-z_]+)?$/, { message: "Choose an action from the list." })
          .optional(),
        actorId: z.string().trim().max(100).optional(),
        targetId: z.string().trim().max(100).optional(),
        from: optionalDate("start date"),
        to: optionalDate("end date"),
        cursor: z.string().max(40).nullish(),
        limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
      }),
    )
    .query(({ ctx, input: { cursor, limit, ...filter } }) =>
      listAuditLog({ teamId: ctx.team.id, filter, cursor: cursor ?? undefined, limit }),
    ),

  filters: teamProcedure("audit:view").query(({ ctx }) => auditFilterOptions({ teamId: ctx.team.id })),
});
