import { describe, expect, it } from "vitest";
import { diffWorldStates } from "~/shared/state-diff";

describe("diffWorldStates", () => {
  it("lists added, removed and changed top-level keys, in key order, comparing values as JSON", () => {
    expect(diffWorldStates({ a: 1, b: { x: [1, 2] }, c: "same", d: null }, { b: { x: [1, 3] }, c: "same", d: null, e: true })).toEqual([
      { key: "a", change: "removed", before: 1 },
      { key: "b", change: "changed", before: { x: [1, 2] }, after: { x: [1, 3] } },
      { key: "e", change: "added", after: true },
    ]);
    expect(diffWorldStates(null, { a: 1 })).toEqual([{ key: "a", change: "added", after: 1 }]);
    expect(diffWorldStates({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
