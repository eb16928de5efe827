import { describe, expect, it } from "vitest";
import { readPrice } from "~/components/providers/describe";
import { formatPrice } from "~/components/ui/format";
import { isMissingPriceRefusal, MISSING_PRICE_ADVICE } from "~/shared/provider-kinds";

/** How the providers page shows and reads prices per million tokens, and how the agent page knows a refusal for a missing price. */
describe("formatPrice", () => {
  it("keeps the digits of small prices", () => {
    expect(formatPrice(0.02)).toBe("$0.02");
    expect(formatPrice(0.0075)).toBe("$0.0075");
    expect(formatPrice(0.00000001)).toBe("$0.00000001");
  });
  it("shows cents and thousands", () => {
    expect(formatPrice(0)).toBe("$0.00");
    expect(formatPrice(2.5)).toBe("$2.50");
    expect(formatPrice(1000)).toBe("$1,000.00");
  });
});

describe("readPrice", () => {
  it("reads what people type", () => {
    expect(readPrice("1,000")).toBe(1000);
    expect(readPrice(" $2.50 ")).toBe(2.5);
    expect(readPrice("0.02")).toBe(0.02);
    expect(readPrice("-5")).toBe(-5);
  });
  it("is no number when nothing or words are typed", () => {
    expect(readPrice("")).toBeNaN();
    expect(readPrice("  ")).toBeNaN();
    expect(readPrice("cheap")).toBeNaN();
  });
});

describe("isMissingPriceRefusal", () => {
  it("knows the server's refusal by its advice", () => {
    expect(isMissingPriceRefusal(`llama3.1:8b has no price on Local Ollama: ${MISSING_PRICE_ADVICE} before starting.`)).toBe(true);
    expect(isMissingPriceRefusal("The budget is spent.")).toBe(false);
  });
});
