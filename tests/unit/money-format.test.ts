import { describe, expect, it } from "vitest";
import { formatMoney } from "../../shared/money";
import { formatUsd } from "../../components/ui/format";

describe("formatMoney: small amounts keep their significant digits", () => {
  it("writes amounts under a cent with two significant digits, never $0.00", () => {
    expect(formatMoney("0.001")).toBe("$0.001");
    expect(formatMoney("0.00096")).toBe("$0.00096");
    expect(formatMoney("0.0009")).toBe("$0.0009");
    expect(formatMoney(0.000123456)).toBe("$0.00012");
    expect(formatMoney("0.00000001")).toBe("$0.00000001");
  });

  it("keeps cents for a dollar or more, and at least cents below", () => {
    expect(formatMoney("12.34")).toBe("$12.34");
    expect(formatMoney("12.345678")).toBe("$12.35");
    expect(formatMoney("1234.5")).toBe("$1,234.50");
    expect(formatMoney("0.5")).toBe("$0.50");
    expect(formatMoney("0.123")).toBe("$0.12");
    expect(formatMoney("0.015")).toBe("$0.015");
    expect(formatMoney("0")).toBe("$0.00");
    expect(formatMoney(10)).toBe("$10.00");
  });

  it("says a non-zero amount below the finest stored digit is not zero", () => {
    expect(formatMoney(1e-10)).toBe("under $0.00000001");
  });

  it("writes negative amounts with their sign", () => {
    expect(formatMoney("-0.0009")).toBe("-$0.0009");
  });

  it("is what the UI's formatUsd shows; no limit for none", () => {
    expect(formatUsd("0.001")).toBe("$0.001");
    expect(formatUsd(null)).toBe("no limit");
  });
});
