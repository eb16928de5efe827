import { z } from "zod";
import { AGENT_LIMITS, agentSettingsSchema } from "./agent-input";

/** A forked world state's size limit, as JSON text: a "what if" edit, not a data store. */
export const FORK_WORLD_STATE_MAX_CHARS = 100_000;

/**
 * What a fork may change besides the cycle and name ("time travel": try a different state,
 * instructions or model without touching the original). Shared by tRPC, the public API and the dialog.
 */
export const forkOverridesSchema = z.object({
  worldState: z
    .record(z.string(), z.unknown(), { message: 'The world state must be a JSON object, like {"phase": "exploring"}.' })
    .refine((state) => JSON.stringify(state).length <= FORK_WORLD_STATE_MAX_CHARS, {
      message: `The world state can be at most ${FORK_WORLD_STATE_MAX_CHARS.toLocaleString("en")} characters of JSON.`,
    })
    .optional(),
  instructions: z
    .string()
    .max(AGENT_LIMITS.instructionsMax, { message: `Instructions can be at most ${AGENT_LIMITS.instructionsMax} characters.` })
    .optional(),
  provider: z.string().trim().min(1).optional(),
  model: z.string().trim().min(1, { message: "Choose a model." }).optional(),
});

export const forkInputSchema = forkOverridesSchema.extend({
  cycle: z.number().int().min(0),
  name: agentSettingsSchema.shape.name.optional(),
});

/**
 * Parses a world state typed in the fork dialog: a JSON object, or a message saying where it is wrong
 * (line and column, from the parser's position).
 */
export function parseWorldStateText(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    if (!position) return { ok: false, error: `Not valid JSON: ${message}` };
    const before = text.slice(0, Number(position[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return { ok: false, error: `Not valid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, "")}.` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, error: 'The world state must be a JSON object, like {"phase": "exploring"}.' };
  if (text.length > FORK_WORLD_STATE_MAX_CHARS)
    return { ok: false, error: `The world state can be at most ${FORK_WORLD_STATE_MAX_CHARS.toLocaleString("en")} characters of JSON.` };
  return { ok: true, value: value as Record<string, unknown> };
}
