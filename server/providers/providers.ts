import "server-only";
import { type z } from "zod";
import {
  presetCompat,
  providerInputSchema,
  providerUpdateSchema,
  type ProviderInput,
  type ProviderUpdate,
} from "../../shared/provider-kinds";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit, type AuditAction } from "../audit/record";
import { db, Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { encryptSecret, fingerprint } from "../secrets/crypto";
import { findRefusalForUrl, PRIVATE_HOSTS_SETTING } from "../security/outbound";
import { compatOf, providerCredentials, providerRowFields } from "./credentials";
import { lastTestOf, probeEndpoint } from "./probe";

/**
 * A team's model providers: an OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, …), its API key and
 * extra headers, encrypted at rest and never returned to a browser (only the key's last four characters
 * and the headers' names), its timeout, and what its last connection test found. Agents name a
 * provider; the loop decrypts the key when it calls the model (server/providers/credentials.ts).
 */
const publicFields = {
  id: true,
  name: true,
  kind: true,
  baseUrl: true,
  apiKeyLast4: true,
  keyVersion: true,
  headerNames: true,
  timeoutMs: true,
  compat: true,
  lastTest: true,
  createdAt: true,
  updatedAt: true,
} as const;

type PublicRow = Prisma.ModelProviderGetPayload<{ select: typeof publicFields }>;

/** A provider as the browser and the API see it. */
function present(row: PublicRow) {
  const { compat, lastTest, timeoutMs, ...rest } = row;
  return {
    ...rest,
    hasKey: row.apiKeyLast4 !== null,
    timeoutSeconds: Math.round(timeoutMs / 1000),
    compat: compatOf(compat),
    lastTest: lastTestOf(lastTest),
  };
}

async function audit(teamId: string, userId: string, action: AuditAction, providerId: string, metadata: Record<string, string> = {}) {
  await recordAudit(db, { teamId, actorId: userId, action, targetId: providerId, metadata });
}

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  return parsed.data;
}

const uniqueName = (error: unknown) => {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
    return new AppError("CONFLICT", "A provider with that name already exists in this team.", {
      fieldErrors: { name: ["That name is taken."] },
    });
  return error;
};

function headersData(teamId: string, headers: { name: string; value: string }[]) {
  return {
    headersCiphertext:
      headers.length > 0 ? encryptSecret(JSON.stringify(Object.fromEntries(headers.map((h) => [h.name, h.value]))), teamId) : null,
    headerNames: headers.map((h) => h.name),
  };
}

export async function listProviders(teamId: string) {
  const rows = await db.modelProvider.findMany({ where: { teamId }, orderBy: { name: "asc" }, select: publicFields });
  return rows.map(present);
}

export async function getProvider({ teamId, providerId }: { teamId: string; providerId: string }) {
  const row = await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: publicFields });
  if (!row) throw notFound("That provider");
  return present(row);
}

export async function createProvider({ teamId, userId, input: given }: { teamId: string; userId: string; input: ProviderInput }) {
  const input = parseInput(providerInputSchema, given);
  const apiKey = input.apiKey || null;
  if (input.baseUrl) await assertReachableBaseUrl(input.baseUrl);
  try {
    const row = await db.modelProvider.create({
      data: {
        teamId,
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl || null,
        apiKeyCiphertext: apiKey ? encryptSecret(apiKey, teamId) : null,
        apiKeyLast4: apiKey ? apiKey.slice(-4) : null,
        ...headersData(teamId, input.headers ?? []),
        timeoutMs: input.timeoutSeconds * 1000,
        // What the kind's server is known to do, until Test connection finds what this one does.
        compat: presetCompat(input.kind),
      },
      select: publicFields,
    });
    await audit(teamId, userId, "provider.create", row.id, apiKey ? { key: fingerprint(apiKey) } : {});
    return present(row);
  } catch (error) {
    throw uniqueName(error);
  }
}

/**
 * Changes a provider's settings (not its key: rotateProviderKey). A new base URL is checked like a new
 * provider's, and makes the last connection test void (its compatibility is reset to its kind's preset
 * until the next test); a new kind of a provider never tested takes the new kind's preset. Audited with
 * the names of the fields that changed, never their values.
 */
export async function updateProvider({
  teamId,
  userId,
  providerId,
  input: given,
}: {
  teamId: string;
  userId: string;
  providerId: string;
  input: ProviderUpdate;
}) {
  const input = parseInput(providerUpdateSchema, given);
  const current = await db.modelProvider.findFirst({
    where: { id: providerId, teamId },
    select: { baseUrl: true, kind: true, lastTest: true },
  });
  if (!current) throw notFound("That provider");
  const baseUrl = input.baseUrl === undefined ? undefined : input.baseUrl || null;
  const endpointChanged = baseUrl !== undefined && baseUrl !== current.baseUrl;
  const kind = input.kind ?? current.kind;
  const isPresetAgain = endpointChanged || (kind !== current.kind && current.lastTest === null);
  if (endpointChanged && baseUrl) await assertReachableBaseUrl(baseUrl);
  const data: Prisma.ModelProviderUpdateManyMutationInput = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.kind !== undefined ? { kind: input.kind } : {}),
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(input.headers !== undefined ? headersData(teamId, input.headers) : {}),
    ...(input.timeoutSeconds !== undefined ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
    ...(isPresetAgain ? { compat: presetCompat(kind) } : {}),
    ...(endpointChanged ? { lastTest: Prisma.DbNull } : {}),
  };
  try {
    const updated = await db.modelProvider.updateMany({ where: { id: providerId, teamId }, data });
    if (updated.count === 0) throw notFound("That provider");
  } catch (error) {
    throw uniqueName(error);
  }
  const changed = Object.keys(input).filter((key) => input[key as keyof typeof input] !== undefined);
  await audit(teamId, userId, "provider.update", providerId, { fields: changed.join(", ") });
  return getProvider({ teamId, providerId });
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
 * Deletes a provider no agent uses and that does not embed the team's memories; while agents use it, the
 * refusal names them (the first five); while it is the team's embedder, the refusal says where to change that.
 */
export async function deleteProvider({ teamId, userId, providerId }: { teamId: string; userId: string; providerId: string }) {
  const embedsMemories = await db.team.count({ where: { id: teamId, embeddingProviderId: providerId } });
  if (embedsMemories > 0) throw embedderInUse();
  const users = await db.agent.findMany({
    where: { teamId, provider: providerId, status: { not: "archived" } },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  if (users.length > 0) {
    const names = users.slice(0, 5).map((a) => `"${a.name}"`);
    const more = users.length > 5 ? ` and ${users.length - 5} more` : "";
    throw new AppError(
      "CONFLICT",
      `${users.length} agent${users.length === 1 ? " uses" : "s use"} this provider (${names.join(", ")}${more}); move ${users.length === 1 ? "it" : "them"} to another provider first.`,
    );
  }
  let deleted: Prisma.BatchPayload;
  try {
    deleted = await db.modelProvider.deleteMany({ where: { id: providerId, teamId } });
  } catch (error) {
    // Made the team's embedder after the check above (the foreign key refuses it).
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003") throw embedderInUse();
    throw error;
  }
  if (deleted.count === 0) throw notFound("That provider");
  await audit(teamId, userId, "provider.delete", providerId);
}

const embedderInUse = () =>
  new AppError(
    "CONFLICT",
    "This provider embeds the team's memories; choose another provider or Offline under Memory embeddings first, then delete it.",
  );

/**
 * "Test connection" on a saved provider: probes its endpoint with its own key, headers and timeout
 * (server/providers/probe.ts), stores the compatibility found (the model client follows it from the next
 * call) and the result, and audits it. `model` names the chat model to try (else the first listed).
 */
export async function testProvider({
  teamId,
  userId,
  providerId,
  model,
  probe = probeEndpoint,
}: {
  teamId: string;
  userId: string;
  providerId: string;
  model?: string;
  probe?: typeof probeEndpoint;
}) {
  const row = await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: providerRowFields });
  if (!row) throw notFound("That provider");
  const credentials = await providerCredentials({ teamId, providerId, row });
  if (!credentials) throw notFound("That provider");
  // The embeddings check runs on the provider that embeds the team's memories, with the team's model.
  const team = await db.team.findFirst({ where: { id: teamId, embeddingProviderId: providerId }, select: { embeddingModel: true } });
  const result = await probe({ ...credentials, apiKey: credentials.apiKey ?? "no-key" }, { model, embeddingModel: team?.embeddingModel });
  await db.modelProvider.updateMany({
    where: { id: providerId, teamId },
    data: { lastTest: result, ...(result.checks.some((c) => c.name === "chat" && c.ok) ? { compat: result.compat } : {}) },
  });
  await audit(teamId, userId, "provider.test", providerId, { ok: String(result.ok) });
  return result;
}
