import { describe, expect, it } from "vitest";
import { DEFAULT_NEXT_PATH, invitationIdFromNextPath, safeNextPath, withNextPath } from "~/shared/next-path";

// Security issue 17, hole 6: `next=/\host/...` sent people to another site after signing in.
const ATTACKS = [
  "/\\evil.example",
  "/\\evil.example/agents",
  "//evil.example",
  "//evil.example/agents",
  "///evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\u0000/evil.example",
  "\t//evil.example",
  "https://evil.example",
  "http:evil.example",
  "javascript:alert(1)",
  "JavaScript:alert(document.cookie)",
  "data:text/html,<script>alert(1)</script>",
  "/%5Cevil.example",
  "/%5cevil.example",
  "/%2F%2Fevil.example",
  "%2F%2Fevil.example",
  "/%252F%252Fevil.example",
  "/%255Cevil.example",
  "/%09/evil.example",
  "/..//evil.example",
  "/./\\evil.example",
  "evil.example",
  "agents",
  "",
  "/%E0%A4%A", // malformed percent-encoding
];

const GOOD: [string, string][] = [
  ["/agents", "/agents"],
  ["/agents/123?tab=memory", "/agents/123?tab=memory"],
  ["/agents/01HX?tab=memory#cycle-4", "/agents/01HX?tab=memory#cycle-4"],
  ["/invite/abc_DEF-123", "/invite/abc_DEF-123"],
  ["/approvals?status=pending&sort=new", "/approvals?status=pending&sort=new"],
  ["/agents/a%20b", "/agents/a%20b"],
  ["/team/../agents", "/agents"],
];

describe("the ?next= after signing in", () => {
  it.each(ATTACKS.map((attack) => [JSON.stringify(attack), attack]))("refuses %s", (_label, attack) => {
    expect(safeNextPath(attack)).toBe(DEFAULT_NEXT_PATH);
    expect(withNextPath("/sign-up", attack)).toBe("/sign-up");
  });

  it.each(GOOD)("follows %s", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
    expect(withNextPath("/sign-in", next)).toBe(`/sign-in?next=${encodeURIComponent(expected)}`);
  });

  it("falls back when there is none", () => {
    expect(safeNextPath(null)).toBe(DEFAULT_NEXT_PATH);
    expect(safeNextPath(undefined)).toBe(DEFAULT_NEXT_PATH);
    expect(safeNextPath("/" + "a".repeat(3000))).toBe(DEFAULT_NEXT_PATH);
  });

  it("finds the invitation a sign-up came from", () => {
    const id = "A".repeat(40) + "b_-";
    expect(invitationIdFromNextPath(`/invite/${id}`)).toBe(id);
    expect(invitationIdFromNextPath(`/invite/${id}?x=1`)).toBe(id);
    expect(invitationIdFromNextPath(`/invite/short`)).toBeNull();
    expect(invitationIdFromNextPath(`//evil.example/invite/${id}`)).toBeNull();
    expect(invitationIdFromNextPath(null)).toBeNull();
  });
});
