import { describe, expect, it } from "vitest";
import { can, hasRoleAtLeast, minimumRole, PERMISSIONS, TEAM_ROLES } from "~/shared/roles";

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

  it("each role holds every permission of the roles below it, and each permission has a lowest role", () => {
    for (let i = 1; i < TEAM_ROLES.length; i++) {
      for (const permission of PERMISSIONS) {
        if (can(TEAM_ROLES[i - 1]!, permission)) expect(can(TEAM_ROLES[i]!, permission), `${TEAM_ROLES[i]} ${permission}`).toBe(true);
      }
    }
    expect(minimumRole("agent:view")).toBe("viewer");
    expect(minimumRole("agent:create")).toBe("member");
    expect(minimumRole("budget:raise")).toBe("admin");
    expect(minimumRole("team:transfer")).toBe("owner");
  });
});
