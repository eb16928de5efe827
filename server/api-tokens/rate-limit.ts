import "server-only";
import { db, Prisma } from "../db/client";
import { col } from "../db/columns";
import { row, sqlRow } from "../db/rows";

/**
 * Requests a minute per API token, counted in PostgreSQL (so every app process shares the count), in
 * the rate_limit table better-auth keeps its sign-in counters in, under keys of their own
 * ("api-token:<id>"). A fixed window: `lastRequest` holds the start of the token's current minute.
 * One statement per request. better-auth prunes rows whose window has long passed.
 */
export const API_RATE_WINDOW_MS = 60_000;

const counted = sqlRow("counting an API token's requests", { count: col.int, windowStart: col.int8 });

export type RateDecision = { allowed: boolean; limit: number; remaining: number; retryAfterSeconds: number };

export async function takeApiRequest({
  tokenId,
  limit,
  now = Date.now(),
}: {
  tokenId: string;
  limit: number;
  now?: number;
}): Promise<RateDecision> {
  const key = `api-token:${tokenId}`;
  const stale = BigInt(now - API_RATE_WINDOW_MS);
  const result = await row(
    db,
    counted,
    Prisma.sql`
    INSERT INTO rate_limit (id, key, count, "lastRequest") VALUES (${key}, ${key}, 1, ${BigInt(now)})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit."lastRequest" <= ${stale} THEN 1 ELSE rate_limit.count + 1 END,
      "lastRequest" = CASE WHEN rate_limit."lastRequest" <= ${stale} THEN ${BigInt(now)} ELSE rate_limit."lastRequest" END
    RETURNING count, "lastRequest" AS "windowStart"`,
  );
  const windowEndsIn = Number(result.windowStart) + API_RATE_WINDOW_MS - now;
  return {
    allowed: result.count <= limit,
    limit,
    remaining: Math.max(0, limit - result.count),
    retryAfterSeconds: Math.max(1, Math.ceil(windowEndsIn / 1000)),
  };
}
