import { z } from "zod";

/**
 * An extra request header a team configures for an endpoint it points Longhaul at (a model provider,
 * an MCP server): a token name (RFC 9110), not one the client sets itself, and a one-line value.
 * Plain data, for the forms and the server alike.
 */
export function extraHeaderSchema({
  setByClient,
  setByClientMessage,
  valueMax,
}: {
  /** Lower-case names the client sets itself. */
  setByClient: ReadonlySet<string>;
  setByClientMessage: string;
  valueMax: number;
}) {
  return z.object({
    name: z
      .string()
      .trim()
      .min(1, { message: "Name the header." })
      .max(100, { message: "Keep header names under 100 characters." })
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: "Header names use letters, digits and - only." })
      .refine((name) => !setByClient.has(name.toLowerCase()), { message: setByClientMessage }),
    value: z
      .string()
      .max(valueMax, { message: `Keep header values under ${valueMax.toLocaleString("en-US")} characters.` })
      .refine((value) => !/[\r\n\0]/.test(value), { message: "Header values cannot contain line breaks." }),
  });
}
