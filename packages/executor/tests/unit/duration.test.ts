import { describe, expect, it } from "vitest";
import { parseDurationMs, resolveWakeTime } from "../../src/duration";

describe("Inngest durations", () => {
  it.each([
    ["1s", 1000],
    ["500ms", 500],
    ["2h30m10s", 9_010_000],
    ["1w2d", 777_600_000],
    ["", 0],
    ["250", 250],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it("refuses what is not a duration", () => {
    expect(() => parseDurationMs("soon")).toThrow('Not a duration: "soon"');
    expect(() => parseDurationMs("5 minutes")).toThrow();
  });

  it("wakes sleepUntil at its date and sleep after its duration", () => {
    expect(resolveWakeTime("2030-01-02T03:04:05.000Z").toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(resolveWakeTime("10s", 1_000).getTime()).toBe(11_000);
  });
});
