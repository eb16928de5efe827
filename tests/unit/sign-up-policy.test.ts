import { describe, expect, it } from "vitest";
import { describeDomains, emailDomain, parseSignUpPolicy } from "~/server/auth/sign-up-policy";

describe("LONGHAUL_SIGNUP", () => {
  it("reads open, invite-only (the default) and domain lists", () => {
    expect(parseSignUpPolicy(undefined)).toEqual({ mode: "invite-only" });
    expect(parseSignUpPolicy(" Invite-Only ")).toEqual({ mode: "invite-only" });
    expect(parseSignUpPolicy("open")).toEqual({ mode: "open" });
    expect(parseSignUpPolicy("example.com, @Example.org,example.com")).toEqual({
      mode: "domains",
      domains: ["example.com", "example.org"],
    });
  });

  it.each(["yes", "example", ",", "*.example.com", "ex ample.com", "http://example.com"])("refuses %j", (value) => {
    expect(() => parseSignUpPolicy(value)).toThrow(/must be "open", "invite-only" or a comma-separated list of e-mail domains/);
  });

  it("names domains in a sentence and finds an address's domain", () => {
    expect(describeDomains(["a.test"])).toBe("a.test");
    expect(describeDomains(["a.test", "b.test", "c.test"])).toBe("a.test, b.test and c.test");
    expect(emailDomain("Ada@Example.ORG ")).toBe("example.org");
    expect(emailDomain("no-at-sign")).toBe("");
  });
});
