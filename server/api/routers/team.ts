import "server-only";
import { z } from "zod";
import { can, TEAM_ROLES } from "../../../shared/roles";
import { acceptInvitation, getInvitation, inviteMember, listInvitations, revokeInvitation } from "../../teams/invitations";
import { changeMemberRole, leaveTeam, listMembers, removeMember, transferOwnership } from "../../teams/members";
import { createTeam, listTeamsForUser, setActiveTeam } from "../../teams/teams";
import { createTRPCRouter, protectedProcedure, publicProcedure, teamProcedure } from "../trpc";

const userIdInput = z.object({ userId: z.string().min(1).max(100) });
const invitationIdInput = z.object({ invitationId: z.string().min(1).max(200) });

export const teamRouter = createTRPCRouter({
  /** The caller's teams and which one is active. */
  mine: protectedProcedure.query(async ({ ctx }) => {
    const teams = await listTeamsForUser({ userId: ctx.user.id });
    const active = teams.find((t) => t.id === ctx.activeTeamId) ?? null;
    return { teams, activeTeamId: active?.id ?? null, user: ctx.user };
  }),

  current: teamProcedure("team:view").query(({ ctx }) => ctx.team),

  create: protectedProcedure
    .input(z.object({ name: z.string({ message: "Give the team a name." }) }))
    .mutation(({ ctx, input }) => createTeam({ userId: ctx.user.id, name: input.name, sessionId: ctx.sessionId })),

  setActive: protectedProcedure
    .input(z.object({ teamId: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => setActiveTeam({ userId: ctx.user.id, teamId: input.teamId, sessionId: ctx.sessionId })),

  // Roles and invitations (server/teams/members.ts, invitations.ts; docs/decisions/010-roles-and-invitations.md).
  // The procedures' role gates are the first check; the domain functions check again inside their transaction.

  /** Everyone in the active team; what the caller may do with them. */
  members: teamProcedure("team:view").query(async ({ ctx }) => ({
    members: await listMembers({ teamId: ctx.team.id }),
    me: { userId: ctx.user.id, role: ctx.team.role, canManage: can(ctx.team.role, "team:manage") },
    team: { id: ctx.team.id, name: ctx.team.name },
  })),

  /** Pending invitations with their links: admins only. */
  invitations: teamProcedure("team:manage").query(({ ctx }) => listInvitations({ teamId: ctx.team.id })),

  invite: teamProcedure("team:manage")
    .input(z.object({ email: z.string().max(320), role: z.enum(TEAM_ROLES, { message: "Choose a role." }) }))
    .mutation(({ ctx, input }) => inviteMember({ teamId: ctx.team.id, actorId: ctx.user.id, email: input.email, role: input.role })),

  revokeInvitation: teamProcedure("team:manage")
    .input(invitationIdInput)
    .mutation(({ ctx, input }) => revokeInvitation({ teamId: ctx.team.id, actorId: ctx.user.id, invitationId: input.invitationId })),

  changeRole: teamProcedure("team:manage")
    .input(userIdInput.extend({ role: z.enum(TEAM_ROLES, { message: "Choose a role." }) }))
    .mutation(({ ctx, input }) => changeMemberRole({ teamId: ctx.team.id, actorId: ctx.user.id, userId: input.userId, role: input.role })),

  removeMember: teamProcedure("team:manage")
    .input(userIdInput)
    .mutation(({ ctx, input }) => removeMember({ teamId: ctx.team.id, actorId: ctx.user.id, userId: input.userId })),

  leave: teamProcedure("team:leave").mutation(({ ctx }) => leaveTeam({ teamId: ctx.team.id, userId: ctx.user.id })),

  transferOwnership: teamProcedure("team:transfer")
    .input(userIdInput)
    .mutation(({ ctx, input }) => transferOwnership({ teamId: ctx.team.id, actorId: ctx.user.id, userId: input.userId })),

  /** The invite page's read: anyone with the link, signed in or not; one message for unknown, expired, revoked and used links. */
  invitation: publicProcedure
    .input(invitationIdInput)
    .query(({ ctx, input }) =>
      getInvitation({ invitationId: input.invitationId, viewer: ctx.user ? { userId: ctx.user.id, email: ctx.user.email } : null }),
    ),

  acceptInvitation: protectedProcedure
    .input(invitationIdInput)
    .mutation(({ ctx, input }) => acceptInvitation({ invitationId: input.invitationId, userId: ctx.user.id, sessionId: ctx.sessionId })),
});
