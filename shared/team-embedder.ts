import { z } from "zod";
import { embeddingModelSchema } from "./provider-kinds";

/**
 * What a team chooses to embed its memories with (docs/decisions/033): the offline embedder, or one of
 * its providers and an embedding model. Plain data, for the settings form and the server alike.
 */
export const embedderChoiceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("offline") }),
  z.object({
    kind: z.literal("provider"),
    providerId: z.uuid({ message: "Choose one of this team's providers." }),
    model: embeddingModelSchema,
  }),
]);
export type EmbedderChoice = z.input<typeof embedderChoiceSchema>;

/** The last re-embedding of a team's memories, as stored on the team (its progress is counted live). */
export const reembedStateSchema = z.object({
  embedderId: z.string(),
  requestedAt: z.string(),
  startedAt: z.string().nullable().default(null),
  finishedAt: z.string().nullable().default(null),
  /** Agents whose memories could not be moved (their budget refused, or the endpoint kept failing). */
  failures: z.array(z.object({ agentId: z.string(), agentName: z.string(), message: z.string() })).default([]),
});
export type ReembedState = z.output<typeof reembedStateSchema>;
