import { describe, expect, it } from "vitest";
import { checkPasswordStrength } from "~/server/auth/password-policy";

describe("password policy", () => {
  it.each([
    ["short1", undefined, "Use at least 10 characters (this one has 6)."],
    ["abcdefghijkl", undefined, "Mix letters with at least one digit or symbol."],
    ["1234567890123", undefined, "Mix letters with at least one digit or symbol."],
    ["password123", undefined, "This password is too easy to guess; choose another."],
    ["margaret-2026", "margaret@example.com", "Do not use your email address in your password."],
    ["x".repeat(129) + "1", undefined, "Use at most 128 characters."],
  ])("%s is refused", (password, email, message) => {
    expect(checkPasswordStrength(password, email)).toBe(message);
  });

  it("accepts a reasonable password", () => {
    expect(checkPasswordStrength("correct-horse-42", "ada@example.com")).toBeNull();
  });
});
