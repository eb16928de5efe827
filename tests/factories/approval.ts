import { randomBytes } from "node:crypto";
import { db } from "~/server/db/client";
import type { TeamRoleName } from "~/shared/roles";
import { createTestUser } from "./team";

/** A pending approval on the agent: a held send_email call, or an ask_human question. */
export async function pendingApproval({
  teamId,
  agentId,
  kind = "tool",
  expiresAt = null,
}: {
  teamId: string;
  agentId: string;
  kind?: "tool" | "question";
  expiresAt?: Date | null;
}) {
  const isQuestion = kind === "question";
  return db.approval.create({
    data: {
      agentId,
      teamId,
      cycle: 3,
      kind,
      toolName: isQuestion ? "ask_human" : "send_email",
      toolArgs: isQuestion ? { question: "Which plan should I compare?" } : { to: "ceo@acme.test", subject: "Weekly prices" },
      reason: isQuestion ? "The agent asks a person." : "send_email needs a person's approval.",
      expiresAt,
    },
    select: { id: true },
  });
}

/** A person who joins `teamId` with `role` but keeps their own personal team active. */
export async function addMemberKeepingActiveTeam(teamId: string, role: TeamRoleName, name = `${role} person`) {
  const person = await createTestUser({ name });
  await db.member.create({ data: { id: randomBytes(16).toString("hex"), teamId, userId: person.user.id, role } });
  return person;
}
