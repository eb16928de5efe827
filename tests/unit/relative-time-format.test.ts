import { describe, expect, it } from "vitest";
import { cycleWallTimeMs } from "~/components/agents/cycle-row";
import { formatDuration, formatRelative } from "~/components/ui/format";

/** How times read on every page (components/ui/format.ts) and how long a cycle took (cycle-row.tsx). */
const now = Date.parse("2026-12-07T12:00:00Z");

describe("formatRelative", () => {
  it("reads 'just now' for a small skew either way: a decision made a moment ago is not 'in 1 second'", () => {
    expect(formatRelative(new Date(now + 1_000), now)).toBe("just now");
    expect(formatRelative(new Date(now - 1_000), now)).toBe("just now");
    expect(formatRelative(new Date(now + 9_000), now)).toBe("just now");
  });

  it("moves with the clock it is given", () => {
    const at = new Date(now - 1_000);
    expect(formatRelative(at, now + 30_000)).toBe("31 seconds ago");
    expect(formatRelative(at, now + 5 * 60_000)).toBe("5 minutes ago");
    expect(formatRelative(new Date(now + 2 * 3_600_000), now)).toBe("in 2 hours");
  });
});

describe("formatDuration", () => {
  it("never says a false 0 ms", () => {
    expect(formatDuration(0)).toBe("<1 ms");
    expect(formatDuration(0.4)).toBe("<1 ms");
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(12)).toBe("12 ms");
    expect(formatDuration(1_500)).toBe("1.5 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });
});

describe("cycleWallTimeMs", () => {
  const at = (ms: number) => new Date(now + ms);
  it("is the cycle's wall time: from its model call's start to its last event", () => {
    const events = [
      { createdAt: at(800), durationMs: 800 },
      { createdAt: at(810), durationMs: null },
      { createdAt: at(2_300), durationMs: 1_400 },
    ];
    expect(cycleWallTimeMs(events)).toBe(2_300);
  });
  it("is unknown (not 0) when nothing was measured", () => {
    expect(cycleWallTimeMs([{ createdAt: at(0), durationMs: null }])).toBeNull();
    expect(cycleWallTimeMs([])).toBeNull();
  });
});
