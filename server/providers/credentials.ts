import "server-only";
import { z } from "zod";
import { OPENAI_COMPAT, providerCompatSchema, type ProviderCompat } from "../../shared/provider-kinds";
import { db } from "../db/client";
import { env } from "../env";
import { decryptSecret } from "../secrets/crypto";
import { mayReceiveInstanceKey, type InstanceKey } from "./instance-key";

/**
 * What a model or embeddings call needs of a provider's row. The endpoint's details (compatibility,
 * headers, timeout) are optional: a caller that read only the first three gets OpenAI's behaviour.
 */
export type ProviderRow = {
  baseUrl: string | null;
  apiKeyCiphertext: string | null;
  compat?: unknown;
  headersCiphertext?: string | null;
  timeoutMs?: number;
  /** The provider's own prices by model (server/spend/model-prices.ts), when the caller read them. */
  prices?: unknown;
};

/** The columns of ProviderRow, for a Prisma select. */
export const providerRowFields = {
  baseUrl: true,
  apiKeyCiphertext: true,
  compat: true,
  headersCiphertext: true,
  timeoutMs: true,
} as const;

/** A stored compatibility as the model client takes it; anything unreadable is OpenAI's behaviour. */
export function compatOf(stored: unknown): ProviderCompat {
  const parsed = providerCompatSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : OPENAI_COMPAT;
}

function headersOf(ciphertext: string | null | undefined, teamId: string): Record<string, string> | undefined {
  if (!ciphertext) return undefined;
  return z.record(z.string(), z.string()).parse(JSON.parse(decryptSecret(ciphertext, teamId)));
}

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
    given !== undefined ? given : await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: providerRowFields });
  if (!row) return null;
  const endpoint = {
    baseURL: row.baseUrl ?? undefined,
    compat: "compat" in row ? compatOf(row.compat) : undefined,
    headers: headersOf(row.headersCiphertext, teamId),
    timeoutMs: row.timeoutMs,
  };
  if (row.apiKeyCiphertext) return { ...endpoint, apiKey: decryptSecret(row.apiKeyCiphertext, teamId), isInstanceKeyWithheld: false };
  if (!instanceKey.key) return { ...endpoint, apiKey: null, isInstanceKeyWithheld: false };
  const mayUse = mayReceiveInstanceKey(row.baseUrl, instanceKey.hosts);
  return { ...endpoint, apiKey: mayUse ? instanceKey.key : null, isInstanceKeyWithheld: !mayUse };
}
