import { z } from "zod";
import { TEAM_ROLES } from "./roles";

/** The form for a new API token (team page and tRPC). Plain zod: safe for the browser. */
export const apiTokenInputSchema = z.object({
  name: z.string().trim().min(1, { message: "Name the token (what uses it)." }).max(60, { message: "Keep the name under 60 characters." }),
  role: z.enum(TEAM_ROLES, { message: "Choose the role the token acts with." }),
  /** Days until it stops working; none = until revoked. */
  expiresInDays: z
    .number({ message: "Enter a whole number of days, or none." })
    .int({ message: "Enter a whole number of days." })
    .min(1, { message: "At least 1 day." })
    .max(366, { message: "At most 366 days; create a new token after that." })
    .optional(),
});
export type ApiTokenInput = z.input<typeof apiTokenInputSchema>;

/** What every token starts with, so that a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = "lh_";
