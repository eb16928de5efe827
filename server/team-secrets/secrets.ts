import "server-only";
import type { z } from "zod";
import { secretInputSchema, secretValueSchema, type SecretInput } from "../../shared/team-secrets";
import { zodFieldErrors } from "../../shared/validation";
import { recordAudit } from "../audit/record";
import { db, Prisma } from "../db/client";
import { AppError, notFound } from "../errors";
import { decryptSecret, encryptSecret } from "../secrets/crypto";

/**
 * A team's secrets: values agents' tools send (an API token in a header, say) without the model ever
 * seeing them. Stored encrypted with the team id as associated data, like provider keys; no procedure
 * returns a value, only its name and last four characters. Admins manage them ("secret:manage"); the
 * audit log names the secret, never its value. The http_request tool reads them through
 * `readTeamSecretValues`. docs/decisions/036.
 */
const listed = {
  id: true,
  name: true,
  valueLast4: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { id: true, name: true } },
} as const;

export type TeamSecretView = Prisma.TeamSecretGetPayload<{ select: typeof listed }>;

function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Some fields need attention.", zodFieldErrors(parsed.error));
  return parsed.data;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
const nameTaken = (name: string) =>
  new AppError("CONFLICT", `This team already has a secret named ${name}.`, {
    fieldErrors: { name: ["That name is taken: rotate the existing secret to change its value."] },
  });

/** The encrypted value and its last four characters, the only part kept in the clear. */
const sealed = (teamId: string, value: string) => ({ valueCiphertext: encryptSecret(value, teamId), valueLast4: value.slice(-4) });

/** The team's secrets by name: names, last four characters, who added them and when; never a value. */
export async function listTeamSecrets({ teamId }: { teamId: string }): Promise<TeamSecretView[]> {
  return db.teamSecret.findMany({ where: { teamId }, orderBy: { name: "asc" }, select: listed });
}

export async function createTeamSecret({ teamId, userId, input: given }: { teamId: string; userId: string; input: SecretInput }) {
  const input = parseInput(secretInputSchema, given);
  if (await db.teamSecret.count({ where: { teamId, name: input.name } })) throw nameTaken(input.name);
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.teamSecret.create({
        data: { teamId, name: input.name, createdById: userId, ...sealed(teamId, input.value) },
        select: listed,
      });
      await recordAudit(tx, { teamId, actorId: userId, action: "secret.create", targetId: created.id, metadata: { name: input.name } });
      return created;
    });
  } catch (error) {
    // Two admins adding the same name at once: the unique index decides.
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

/** Rotates a secret: a new value under the same name (agents referring to it send the new one from their next call). */
export async function updateTeamSecretValue({
  teamId,
  userId,
  secretId,
  value: given,
}: {
  teamId: string;
  userId: string;
  secretId: string;
  value: string;
}) {
  const parsed = secretValueSchema.safeParse(given);
  if (!parsed.success)
    throw new AppError("BAD_REQUEST", "Some fields need attention.", { fieldErrors: { value: [parsed.error.issues[0]!.message] } });
  return db.$transaction(async (tx) => {
    const changed = await tx.teamSecret.updateManyAndReturn({
      where: { id: secretId, teamId },
      data: sealed(teamId, parsed.data),
      select: { id: true, name: true },
    });
    const secret = changed[0];
    if (!secret) throw notFound("That secret");
    await recordAudit(tx, { teamId, actorId: userId, action: "secret.update", targetId: secret.id, metadata: { name: secret.name } });
    return tx.teamSecret.findUniqueOrThrow({ where: { id: secret.id }, select: listed });
  });
}

export async function deleteTeamSecret({ teamId, userId, secretId }: { teamId: string; userId: string; secretId: string }) {
  await db.$transaction(async (tx) => {
    const secret = await tx.teamSecret.findFirst({ where: { id: secretId, teamId }, select: { id: true, name: true } });
    if (!secret) throw notFound("That secret");
    await tx.teamSecret.deleteMany({ where: { id: secret.id, teamId } });
    await recordAudit(tx, { teamId, actorId: userId, action: "secret.delete", targetId: secret.id, metadata: { name: secret.name } });
  });
}

/**
 * Every secret of the team with its value in the clear, for a tool about to send a request: what it
 * substitutes for `{{secret:NAME}}` and what it redacts from what it returns. Never leaves the server.
 */
export async function readTeamSecretValues({ teamId }: { teamId: string }): Promise<Map<string, string>> {
  const rows = await db.teamSecret.findMany({ where: { teamId }, select: { name: true, valueCiphertext: true } });
  return new Map(rows.map((row) => [row.name, decryptSecret(row.valueCiphertext, teamId)]));
}
