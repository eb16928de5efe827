import { describe, expect, it } from "vitest";
import { can, hasRoleAtLeast, TEAM_ROLES } from "~/server/auth/roles";

describe("team roles", () => {
  it("ranks viewer < member < admin < owner", () => {
    expect(hasRoleAtLeast("member", "viewer")).toBe(true);
    expect(hasRoleAtLeast("viewer", "member")).toBe(false);
    expect(hasRoleAtLeast("admin", "member")).toBe(true);
    expect(hasRoleAtLeast("admin", "owner")).toBe(false);
  });

  it("grants named permissions by role", () => {
    expect(TEAM_ROLES.filter((r) => can(r, "agent:create"))).toEqual(["member", "admin", "owner"]);
    expect(TEAM_ROLES.filter((r) => can(r, "budget:raise"))).toEqual(["admin", "owner"]);
    expect(TEAM_ROLES.filter((r) => can(r, "agent:view"))).toEqual(["viewer", "member", "admin", "owner"]);
  });
});
