import { describe, expect, it } from "vitest";
import { costOf, DEFAULT_PRICES, parsePriceTable, worstCaseCost } from "~/server/spend/price-table";

describe("pricing", () => {
  it("prices usage per million tokens with 8 decimal places", () => {
    expect(costOf("gpt-4o-mini", { inputTokens: 1000, outputTokens: 500 })).toEqual({ costUsd: "0.00045000", isKnownModel: true });
    expect(costOf("gpt-4o", { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toEqual({ costUsd: "12.50000000", isKnownModel: true });
  });

  it("charges unknown models the default price and says so", () => {
    expect(costOf("mystery-70b", { inputTokens: 2000, outputTokens: 0 })).toEqual({ costUsd: "0.01000000", isKnownModel: false });
  });

  it("rounds fractions of the smallest unit up", () => {
    expect(costOf("text-embedding-3-small", { inputTokens: 1, outputTokens: 0 }).costUsd).toBe("0.00000002");
  });

  it("reserves prompt plus the whole output allowance", () => {
    expect(worstCaseCost("gpt-4o", 10_000, 1024).costUsd).toBe(costOf("gpt-4o", { inputTokens: 10_000, outputTokens: 1024 }).costUsd);
  });

  it("validates a replacement price table", () => {
    expect(parsePriceTable(JSON.stringify(DEFAULT_PRICES))).toEqual(DEFAULT_PRICES);
    expect(() => parsePriceTable("{")).toThrow("LONGHAUL_PRICES: is not valid JSON.");
    expect(() => parsePriceTable(JSON.stringify({ default: { inputPerMillion: -1, outputPerMillion: 1 }, models: {} }))).toThrow(
      /default.inputPerMillion/,
    );
  });
});
