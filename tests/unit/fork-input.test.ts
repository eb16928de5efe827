import { describe, expect, it } from "vitest";
import { parseWorldStateText } from "~/shared/fork-input";

describe("parseWorldStateText", () => {
  it("accepts a JSON object and says where a mistake is, by line and column", () => {
    expect(parseWorldStateText('{"phase": "what if"}')).toEqual({ ok: true, value: { phase: "what if" } });
    const broken = parseWorldStateText('{\n  "phase": "what if",\n  oops\n}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^Not valid JSON at line 3, column 3: /);
    expect(parseWorldStateText('["a"]')).toEqual({
      ok: false,
      error: 'The world state must be a JSON object, like {"phase": "exploring"}.',
    });
    expect(parseWorldStateText("")).toMatchObject({ ok: false, error: expect.stringContaining("Not valid JSON") });
  });
});
