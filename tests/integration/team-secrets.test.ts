import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { zodFieldErrors } from "~/shared/validation";
import { db } from "~/server/db/client";
import { decryptSecret } from "~/server/secrets/crypto";
import { readTeamSecretValues } from "~/server/team-secrets/secrets";
import { addTestMember, createTestTeam } from "../factories/team";

/**
 * Team secrets (issue 20, point 5): admins add, rotate and delete them; everyone in the team sees their
 * names and last four characters; no procedure ever returns a value; stored encrypted with the team id
 * as associated data; audited by name, never by value.
 */
/** A refused call's code, message and field errors (from the input schema's ZodError or the domain's AppError). */
async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { code: string; message: string; cause?: unknown } | null;
  expect(error, "expected the call to fail").not.toBeNull();
  const cause = error!.cause;
  const fieldErrors =
    cause instanceof ZodError
      ? zodFieldErrors(cause).fieldErrors
      : ((cause as { fieldErrors?: Record<string, string[]> })?.fieldErrors ?? {});
  return { code: error!.code, message: error!.message, fieldErrors };
}

const VALUE = "ghp_first-value-0123456789abcdef";
const ROTATED = "ghp_second-value-fedcba9876543210";

describe("team secrets", () => {
  it("are added, listed, rotated and deleted by admins; no answer holds a value; the audit names them only", async () => {
    const owner = await createTestTeam();
    const admin = await addTestMember(owner.team.id, "admin");
    const created = await admin.caller.secret.create({ name: "GITHUB_TOKEN", value: VALUE });
    expect(created).toMatchObject({ name: "GITHUB_TOKEN", valueLast4: "cdef", createdBy: { id: admin.user.id } });
    expect(Object.keys(created).sort()).toEqual(["createdAt", "createdBy", "id", "name", "updatedAt", "valueLast4"]);

    const listed = await owner.caller.secret.list();
    expect(listed.map((s) => [s.name, s.valueLast4])).toEqual([["GITHUB_TOKEN", "cdef"]]);
    const rotated = await owner.caller.secret.update({ id: created.id, value: ROTATED });
    expect(rotated).toMatchObject({ id: created.id, name: "GITHUB_TOKEN", valueLast4: "3210" });
    for (const answer of [created, listed, rotated, await owner.caller.secret.list()]) {
      expect(JSON.stringify(answer)).not.toContain(VALUE.slice(0, -4));
      expect(JSON.stringify(answer)).not.toContain(ROTATED.slice(0, -4));
    }

    // At rest: a ciphertext that is not the value and opens only with this team's id.
    const row = await db.teamSecret.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.valueCiphertext).not.toContain(ROTATED);
    expect(row.valueCiphertext).toMatch(/^v1\./);
    expect(decryptSecret(row.valueCiphertext, owner.team.id)).toBe(ROTATED);
    expect(() => decryptSecret(row.valueCiphertext, admin.teamId)).toThrow("could not be decrypted");
    expect(await readTeamSecretValues({ teamId: owner.team.id })).toEqual(new Map([["GITHUB_TOKEN", ROTATED]]));

    await admin.caller.secret.delete({ id: created.id });
    expect(await owner.caller.secret.list()).toEqual([]);
    await expect(admin.caller.secret.delete({ id: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const audit = await db.auditLog.findMany({
      where: { teamId: owner.team.id, action: { startsWith: "secret." } },
      orderBy: { createdAt: "asc" },
      select: { action: true, targetType: true, targetId: true, metadata: true, actorId: true },
    });
    expect(audit).toEqual([
      {
        action: "secret.create",
        targetType: "team_secret",
        targetId: created.id,
        metadata: { name: "GITHUB_TOKEN" },
        actorId: admin.user.id,
      },
      {
        action: "secret.update",
        targetType: "team_secret",
        targetId: created.id,
        metadata: { name: "GITHUB_TOKEN" },
        actorId: owner.user.id,
      },
      {
        action: "secret.delete",
        targetType: "team_secret",
        targetId: created.id,
        metadata: { name: "GITHUB_TOKEN" },
        actorId: admin.user.id,
      },
    ]);
    const everyAuditRow = JSON.stringify(await db.auditLog.findMany({ where: { teamId: owner.team.id }, select: { metadata: true } }));
    expect(everyAuditRow).not.toContain(VALUE.slice(4, -4));
    expect(everyAuditRow).not.toContain(ROTATED.slice(4, -4));
  });

  it("let viewers and members read names only, and refuse them every change", async () => {
    const owner = await createTestTeam();
    const { id } = await owner.caller.secret.create({ name: "STRIPE_KEY", value: "sk_test_0123456789" });
    for (const role of ["viewer", "member"] as const) {
      const person = await addTestMember(owner.team.id, role);
      expect((await person.caller.secret.list()).map((s) => s.name)).toEqual(["STRIPE_KEY"]);
      await expect(person.caller.secret.create({ name: "MINE", value: "a-value-of-mine" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(person.caller.secret.update({ id, value: "another-value" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(person.caller.secret.delete({ id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(decryptSecret((await db.teamSecret.findUniqueOrThrow({ where: { id } })).valueCiphertext, owner.team.id)).toBe(
      "sk_test_0123456789",
    );
  });

  it("are invisible to other teams, which can neither rotate nor delete them", async () => {
    const mine = await createTestTeam();
    const other = await createTestTeam();
    const { id } = await mine.caller.secret.create({ name: "API_KEY", value: "mine-only-value-123" });
    await other.caller.secret.create({ name: "API_KEY", value: "theirs-value-4567" });
    expect((await other.caller.secret.list()).map((s) => s.valueLast4)).toEqual(["4567"]);
    await expect(other.caller.secret.update({ id, value: "hijacked-value" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(other.caller.secret.delete({ id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await readTeamSecretValues({ teamId: mine.team.id })).toEqual(new Map([["API_KEY", "mine-only-value-123"]]));
  });

  it("refuse bad names and values at their fields, and a name the team already has", async () => {
    const owner = await createTestTeam();
    expect(await refusal(owner.caller.secret.create({ name: "github-token", value: "long-enough-value" }))).toMatchObject({
      code: "BAD_REQUEST",
      fieldErrors: { name: ["Use capital letters, digits and underscores, starting with a letter (e.g. GITHUB_TOKEN)."] },
    });
    expect(await refusal(owner.caller.secret.create({ name: "SHORT", value: "short" }))).toMatchObject({
      fieldErrors: { value: ["Values are at least 8 characters (shorter ones could not be redacted reliably)."] },
    });
    await owner.caller.secret.create({ name: "TAKEN", value: "first-value-1" });
    expect(await refusal(owner.caller.secret.create({ name: "TAKEN", value: "second-value-2" }))).toMatchObject({
      code: "CONFLICT",
      message: "This team already has a secret named TAKEN.",
      fieldErrors: { name: ["That name is taken: rotate the existing secret to change its value."] },
    });
    const [taken] = await owner.caller.secret.list();
    expect(await refusal(owner.caller.secret.update({ id: taken!.id, value: " padded-value " }))).toMatchObject({
      code: "BAD_REQUEST",
      fieldErrors: { value: ["Remove the spaces or line breaks at the start or end of the value."] },
    });
  });
});
