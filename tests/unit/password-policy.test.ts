import { describe, expect, it } from "vitest";
import { checkPassword, MIN_PASSWORD_SCORE } from "~/shared/password-policy";

describe("password policy", () => {
  // Security issue 17, hole 10: both passed the old rules (10 characters, letters and a digit).
  it.each([
    ["password12", /^This password is too easy to guess: this is a commonly used password\. /],
    ["aaaaaaaaa1", /^This password is too easy to guess: repeated characters like "aaa" are easy to guess\. /],
    ["Password2026", /too easy to guess: this is similar to a commonly used password\./],
    ["qwertyuiop1", /too easy to guess/],
    ["abcdefghijkl", /common character sequences like "abc"/],
  ])("refuses %s and says why", async (password, message) => {
    const check = await checkPassword(password);
    expect(check.problem).toMatch(message);
    expect(check.score).toBeLessThan(MIN_PASSWORD_SCORE);
  });

  it("keeps the length limits, with the count", async () => {
    expect((await checkPassword("short1")).problem).toBe("Use at least 10 characters (this one has 6).");
    expect((await checkPassword("x".repeat(129) + "1")).problem).toBe("Use at most 128 characters.");
  });

  it("counts the person's own address and name as easy to guess", async () => {
    const check = await checkPassword("margaret-2026", { email: "margaret@example.com", name: "Margaret Example" });
    expect(check.problem).toMatch(/It contains your name or e-mail address|it contains your name or e-mail address/);
    // The same password for someone else is only refused if it is weak on its own.
    expect((await checkPassword("margaret-2026", { email: "ada@example.com" })).score).toBeGreaterThan(check.score);
  });

  it("judges a long password by its first 40 characters (zxcvbn's time grows steeply with length)", async () => {
    expect((await checkPassword("copper kettle mountain river stone 1234" + "a".repeat(80))).problem).toBeNull();
    expect((await checkPassword("a".repeat(40) + "copper kettle mountain river stone")).problem).toMatch(/repeated characters/);
  });

  it.each(["correct-horse-42", "correct horse battery staple", "try-longhaul-2026", "long-enough-password-7"])(
    "accepts %s",
    async (password) => {
      const check = await checkPassword(password, { email: "ada@example.com", name: "Ada Lovelace" });
      expect(check.problem).toBeNull();
      expect(check.score).toBeGreaterThanOrEqual(MIN_PASSWORD_SCORE);
    },
  );
});
