import "server-only";
import { z } from "zod";
import { MISSING_PRICE_ADVICE, modelPriceInputSchema, type ModelPriceInput } from "../../shared/provider-kinds";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { db, type Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { PRICES } from "./configured-prices";
import type { PriceTable } from "./price-table";

/**
 * What a provider's models cost, set by its team (model_price), over the instance's table
 * (LONGHAUL_PRICES, else the built-in one, which knows OpenAI's common models). A price found in
 * neither is no price at all: an agent on such a model cannot start (assertModelPriced) until someone
 * sets one, or marks the model free (both prices zero), because a budget that silently counts a wrong
 * price is worse than none.
 */

/** A provider's own prices by model, as the loop reads them with the provider's row (server/memory/sql.ts). */
export const providerPricesSchema = z.record(z.string(), z.object({ inputPerMillion: z.number(), outputPerMillion: z.number() }));
export type ProviderPrices = z.output<typeof providerPricesSchema>;

/** The table a call on this provider is charged from: its own prices over the instance's. */
export function priceTableFor(providerPrices: unknown, instance: PriceTable = PRICES): PriceTable {
  const parsed = providerPricesSchema.safeParse(providerPrices ?? {});
  if (!parsed.success || Object.keys(parsed.data).length === 0) return instance;
  return { default: instance.default, models: { ...instance.models, ...parsed.data } };
}

type Ids = { teamId: string; providerId: string };

async function providerOf({ teamId, providerId }: Ids) {
  const provider = await db.modelProvider.findFirst({ where: { id: providerId, teamId }, select: { id: true, name: true } });
  if (!provider) throw notFound("That provider");
  return provider;
}

/** The provider's prices, and the instance's known prices (to prefill a price for a known model). */
export async function listModelPrices(ids: Ids) {
  await providerOf(ids);
  const rows = await db.modelPrice.findMany({
    where: { teamId: ids.teamId, providerId: ids.providerId },
    orderBy: { model: "asc" },
    select: { model: true, inputPerMillion: true, outputPerMillion: true, updatedAt: true },
  });
  return {
    prices: rows.map((row) => ({
      model: row.model,
      inputPerMillion: row.inputPerMillion.toNumber(),
      outputPerMillion: row.outputPerMillion.toNumber(),
      isFree: row.inputPerMillion.isZero() && row.outputPerMillion.isZero(),
      updatedAt: row.updatedAt,
    })),
    instance: Object.entries(PRICES.models).map(([model, price]) => ({ model, ...price })),
  };
}

export async function setModelPrice({ userId, input: given, ...ids }: Ids & { userId: string; input: ModelPriceInput }) {
  const parsed = modelPriceInputSchema.safeParse(given);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  const input = parsed.data;
  await providerOf(ids);
  const values = { inputPerMillion: input.inputPerMillion, outputPerMillion: input.outputPerMillion };
  await db.modelPrice.upsert({
    where: { providerId_model: { providerId: ids.providerId, model: input.model } },
    create: { teamId: ids.teamId, providerId: ids.providerId, model: input.model, ...values },
    update: values,
  });
  await recordAudit(db, {
    teamId: ids.teamId,
    actorId: userId,
    action: "price.set",
    targetId: ids.providerId,
    metadata: { model: input.model, ...values },
  });
  return listModelPrices(ids);
}

/** Removes a price; refused while agents use the model and the instance's table has no price for it (they would run unpriced). */
export async function deleteModelPrice({ userId, model, ...ids }: Ids & { userId: string; model: string }) {
  await providerOf(ids);
  if (!PRICES.models[model]) {
    const users = await db.agent.findMany({
      where: { teamId: ids.teamId, provider: ids.providerId, model, status: { not: "archived" } },
      select: { name: true },
      orderBy: { name: "asc" },
      take: 6,
    });
    if (users.length > 0)
      throw new AppError(
        "CONFLICT",
        `Agents use ${model} (${users
          .slice(0, 5)
          .map((a) => `"${a.name}"`)
          .join(
            ", ",
          )}${users.length > 5 ? " and more" : ""}) and it has no other price: set a new price instead, or move them to another model first.`,
      );
  }
  const deleted = await db.modelPrice.deleteMany({ where: { teamId: ids.teamId, providerId: ids.providerId, model } });
  if (deleted.count === 0) throw notFound("That price");
  await recordAudit(db, { teamId: ids.teamId, actorId: userId, action: "price.delete", targetId: ids.providerId, metadata: { model } });
  return listModelPrices(ids);
}

/**
 * Why an agent on `model` of `provider` may not run: its model has no price, not on its provider, not in
 * the instance's table (null when it has one; the simulator costs nothing and needs none). Every way an
 * agent starts asks this: a person's start or resume (assertModelPriced), and the loop's beginRun, which
 * every run passes through (a schedule or webhook starting it, a recovery).
 */
export async function missingPriceOf(
  { teamId, provider, model }: { teamId: string; provider: string; model: string },
  client: Pick<Prisma.TransactionClient, "modelPrice" | "modelProvider"> = db,
): Promise<string | null> {
  if (provider === SIMULATOR_PROVIDER || PRICES.models[model]) return null;
  const own = await client.modelPrice.findFirst({ where: { teamId, providerId: provider, model }, select: { id: true } });
  if (own) return null;
  const named = await client.modelProvider.findFirst({ where: { id: provider, teamId }, select: { name: true } });
  return `${model} has no price${named ? ` on ${named.name}` : ""}: ${MISSING_PRICE_ADVICE} before starting, so that the budget counts what it really costs.`;
}

/** Refuses (CONFLICT, the message of missingPriceOf) to start an agent whose model has no price. */
export async function assertModelPriced(agent: { teamId: string; provider: string; model: string }) {
  const missing = await missingPriceOf(agent);
  if (missing) throw new AppError("CONFLICT", missing);
}
