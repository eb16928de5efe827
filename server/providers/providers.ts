import "server-only";
import { z } from "zod";
import { db, Prisma } from "../db/client";
import { env } from "../env";
import { AppError, notFound } from "../errors";
import { decryptSecret, encryptSecret, fingerprint } from "../secrets/crypto";
import { findRefusalForUrl, PRIVATE_HOSTS_SETTING } from "../security/outbound";
import { mayReceiveInstanceKey, type InstanceKey } from "./instance-key";
import { recordAudit, type AuditAction } from "../audit/record";

/**
 * A team's model providers: an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, …) and its API key,
 * encrypted at rest and never returned to a browser (only its last four characters). Agents name a
 * provider; the loop decrypts the key when it calls the model.
 */
export const providerInputSchema = z.object({
  name: z.string().trim().min(1, { message: "Give the provider a name." }).max(60, { message: "Keep the name under 60 characters." }),
  baseUrl: z
    .string()
    .trim()
    .max(500)
    .refine((value) => value === "" || /^https?:\/\/[^\s]+$/.test(value), {
      message: "Enter an http(s) URL like http://localhost:11434/v1, or leave it empty for OpenAI.",
    })
    .optional(),
  apiKey: z.string().trim().max(500, { message: "That key is too long." }).optional(),
  /** Memory embeddings through this provider (e.g. text-embedding-3-small); empty = the offline embedder. */
  embeddingModel: z
    .string()
    .trim()
    .max(100, { message: "Keep the model name under 100 characters." })
    .refine((value) => value === "" || /^[\w.:/-]+$/.test(value), { message: "Model names use letters, digits and . : / - _ only." })
    .optional(),
});
export type ProviderInput = z.infer<typeof providerInputSchema>;

const publicFields = {
  id: true,
  name: true,
  baseUrl: true,
  apiKeyLast4: true,
  keyVersion: true,
  embeddingModel: true,
  createdAt: true,
  updatedAt: true,
} as const;

async function audit(teamId: string, userId: string, action: AuditAction, providerId: string, metadata: Record<string, string> = {}) {
  await recordAudit(db, { teamId, actorId: userId, action, targetId: providerId, metadata });
}

export async function listProviders(teamId: string) {
  const rows = await db.modelProvider.findMany({ where: { teamId }, orderBy: { name: "asc" }, select: publicFields });
  return rows.map((row) => ({ ...row, hasKey: row.apiKeyLast4 !== null }));
}

export async function createProvider({ teamId, userId, input }: { teamId: string; userId: string; input: ProviderInput }) {
  const apiKey = input.apiKey || null;
  if (input.baseUrl) await assertReachableBaseUrl(input.baseUrl);
  try {
    const row = await db.modelProvider.create({
      data: {
        teamId,
        name: input.name,
        baseUrl: input.baseUrl || null,
        apiKeyCiphertext: apiKey ? encryptSecret(apiKey, teamId) : null,
        apiKeyLast4: apiKey ? apiKey.slice(-4) : null,
        embeddingModel: input.embeddingModel || null,
      },
      select: publicFields,
    });
    await audit(teamId, userId, "provider.create", row.id, apiKey ? { key: fingerprint(apiKey) } : {});
    return { ...row, hasKey: apiKey !== null };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", "A provider with that name already exists in this team.", {
        fieldErrors: { name: ["That name is taken."] },
      });
    }
    throw error;
  }
}

/**
 * A base URL the outbound guard would refuse is refused here already, with a message next to the field:
 * an IP literal in a private range, or a name that resolves now to such an address. A name that does not
 * resolve now is accepted; every call is checked again when it connects.
 */
async function assertReachableBaseUrl(baseUrl: string) {
  const refusal = await findRefusalForUrl("model", baseUrl);
  if (!refusal) return;
  const message =
    `Model requests are not sent to private addresses, and ${refusal.explanation}. ` +
    `An operator of this instance can allow it with ${PRIVATE_HOSTS_SETTING.model} (e.g. for Ollama or vLLM on this machine or network).`;
  throw new AppError("BAD_REQUEST", message, { fieldErrors: { baseUrl: [message] } });
}

/** Replaces (or removes, with an empty key) a provider's API key; the old one is gone for good. */
export async function rotateProviderKey({
  teamId,
  userId,
  providerId,
  apiKey,
}: {
  teamId: string;
  userId: string;
  providerId: string;
  apiKey: string;
}) {
  const key = apiKey.trim() || null;
  const updated = await db.modelProvider.updateMany({
    where: { id: providerId, teamId },
    data: {
      apiKeyCiphertext: key ? encryptSecret(key, teamId) : null,
      apiKeyLast4: key ? key.slice(-4) : null,
      keyVersion: { increment: 1 },
    },
  });
  if (updated.count === 0) throw notFound("That provider");
  await audit(teamId, userId, "provider.rotate_key", providerId, key ? { key: fingerprint(key) } : { key: "removed" });
}

/**
 * Sets (or clears) the provider's embedding model. Agents using the provider recall only memories
 * embedded by their current embedder, so after a change run `npm run memory:reembed` (it re-embeds
 * the memories of every agent whose embedder changed).
 */
export async function setEmbeddingModel({
  teamId,
  userId,
  providerId,
  embeddingModel,
}: {
  teamId: string;
  userId: string;
  providerId: string;
  embeddingModel: string;
}) {
  const parsed = providerInputSchema.shape.embeddingModel.safeParse(embeddingModel);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "Check the model name.";
    throw new AppError("BAD_REQUEST", message, { fieldErrors: { embeddingModel: [message] } });
  }
  const model = parsed.data || null;
  const updated = await db.modelProvider.updateMany({ where: { id: providerId, teamId }, data: { embeddingModel: model } });
  if (updated.count === 0) throw notFound("That provider");
  await audit(teamId, userId, "provider.set_embedding_model", providerId, { embeddingModel: model ?? "offline" });
  return { embeddingModel: model };
}

export async function deleteProvider({ teamId, userId, providerId }: { teamId: string; userId: string; providerId: string }) {
  const inUse = await db.agent.count({ where: { teamId, provider: providerId, status: { not: "archived" } } });
  if (inUse > 0)
    throw new AppError("CONFLICT", `${inUse} agent${inUse === 1 ? " uses" : "s use"} this provider; move them to another first.`);
  const deleted = await db.modelProvider.deleteMany({ where: { id: providerId, teamId } });
  if (deleted.count === 0) throw notFound("That provider");
  await audit(teamId, userId, "provider.delete", providerId);
}

/** What a model or embeddings call needs of a provider's row. */
export type ProviderRow = { baseUrl: string | null; apiKeyCiphertext: string | null; embeddingModel: string | null };

/** Which provider an agent uses; `row` when the caller read it already (null: there is no such provider). */
export type ProviderRef = { teamId: string; provider: string; row?: ProviderRow | null };

/**
 * Endpoint and key for a model call (server side only): the provider's own key, else the instance key
 * where it may go (mayReceiveInstanceKey), else none; `isInstanceKeyWithheld` says the instance key was
 * kept back, so that an endpoint refusing the call can be told why.
 */
export async function providerCredentials({
  teamId,
  providerId,
  instanceKey = { key: env.OPENAI_API_KEY, hosts: env.OPENAI_API_KEY_HOSTS },
  row: given,
}: {
  teamId: string;
  providerId: string;
  instanceKey?: InstanceKey;
  /** The provider's row when the caller read it already (null: there is no such provider). */
  row?: ProviderRow | null;
}) {
  const row =
    given !== undefined
      ? given
      : await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: { baseUrl: true, apiKeyCiphertext: true } });
  if (!row) return null;
  const baseURL = row.baseUrl ?? undefined;
  if (row.apiKeyCiphertext) return { baseURL, apiKey: decryptSecret(row.apiKeyCiphertext, teamId), isInstanceKeyWithheld: false };
  if (!instanceKey.key) return { baseURL, apiKey: null, isInstanceKeyWithheld: false };
  const mayUse = mayReceiveInstanceKey(row.baseUrl, instanceKey.hosts);
  return { baseURL, apiKey: mayUse ? instanceKey.key : null, isInstanceKeyWithheld: !mayUse };
}
