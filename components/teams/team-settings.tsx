"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import { roleRank, TEAM_ROLES, type TeamRoleName } from "~/shared/roles";
import { useTRPC } from "../trpc/react";
import { Alert, AlertAction } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmButton, ConfirmPrompt } from "../ui/confirm";
import { formatAbsolute } from "../ui/format";
import { PageHeader } from "../ui/page-header";
import { Panel } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";
import { CompactSelect } from "../ui/field";
import { InvitationsPanel } from "./invitations-panel";
import { TeamNav } from "./team-nav";
import { ROLE_LABELS, ROLE_WITH_ARTICLE, roleAbilities } from "./roles";

type TeamMembers = inferRouterOutputs<AppRouter>["team"]["members"];
type Member = TeamMembers["members"][number];
type Me = TeamMembers["me"];

/** The Team page: members and their roles, invitations (admins and owners), leaving and transferring ownership. */
export function TeamSettings() {
  const trpc = useTRPC();
  const members = useQuery(trpc.team.members.queryOptions(undefined, { retry: false }));

  if (members.isPending) {
    return (
      <div className="space-y-4" aria-busy>
        <span className="sr-only">Loading the team…</span>
        <Skeleton className="h-8 w-48 rounded" />
        <Skeleton className="h-40 rounded-xl" />
        <Skeleton className="h-40 rounded-xl" />
      </div>
    );
  }
  if (members.isError) {
    return (
      <Alert>
        The team could not be loaded: {members.error.message} <AlertAction onClick={() => void members.refetch()}>Try again</AlertAction>
      </Alert>
    );
  }

  const { me, team } = members.data;
  return (
    <div className="space-y-6">
      <PageHeader title={team.name} description={`You are ${ROLE_WITH_ARTICLE[me.role]} here: you can ${roleAbilities(me.role)}.`} />
      <TeamNav />
      {me.canManage ? <InvitationsPanel teamName={team.name} /> : null}
      <MemberList members={members.data.members} me={me} teamName={team.name} />
      <YourMembership members={members.data.members} me={me} teamName={team.name} />
    </div>
  );
}

function MemberList({ members, me, teamName }: { members: Member[]; me: Me; teamName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.team.members.queryKey() });
  const setRowError = (userId: string, message: string | null) =>
    setRowErrors(({ [userId]: _, ...rest }) => (message ? { ...rest, [userId]: message } : rest));

  const changeRole = useMutation(trpc.team.changeRole.mutationOptions());
  const remove = useMutation(trpc.team.removeMember.mutationOptions());
  const grantable = TEAM_ROLES.filter((r) => roleRank(r) <= roleRank(me.role));

  async function onRoleChange(member: Member, role: TeamRoleName) {
    setRowError(member.userId, null);
    try {
      const result = await changeRole.mutateAsync({ userId: member.userId, role });
      if (result.changed) toast.success(`${member.name} is now ${ROLE_WITH_ARTICLE[role]}.`);
    } catch (error) {
      const message = (error as Error).message;
      setRowError(member.userId, message);
      toast.error(message);
    }
    await refresh();
  }

  async function onRemove(member: Member) {
    setRowError(member.userId, null);
    try {
      await remove.mutateAsync({ userId: member.userId });
      toast.success(`${member.name} was removed from ${teamName}.`);
      setConfirmRemove(null);
    } catch (error) {
      const message = (error as Error).message;
      setRowError(member.userId, message);
      toast.error(message);
    }
    await refresh();
  }

  return (
    <Panel
      title={
        <>
          Members <span className="text-sm font-normal text-zinc-500 tabular-nums">{members.length}</span>
        </>
      }
      aside={
        !me.canManage ? <p className="text-xs text-zinc-500 dark:text-zinc-400">Admins and owners change roles and invite people.</p> : null
      }
      className="space-y-3"
    >
      <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label={`Members of ${teamName}`}>
        {members.map((member) => {
          const isSelf = member.userId === me.userId;
          // Only an owner touches an owner; nobody changes their own role here (leave or transfer below instead).
          const isEditable = me.canManage && !isSelf && (member.role !== "owner" || me.role === "owner");
          const isBusy =
            (changeRole.isPending && changeRole.variables?.userId === member.userId) ||
            (remove.isPending && remove.variables?.userId === member.userId);
          const roleId = `member-role-${member.userId}`;
          const error = rowErrors[member.userId];
          return (
            <li key={member.userId} className="space-y-2 py-3" data-testid="member" data-email={member.email}>
              <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
                <div className="min-w-0 flex-1 basis-full sm:basis-48">
                  <p className="font-medium break-words">
                    {member.name}
                    {isSelf ? <span className="ml-2 text-xs font-normal text-zinc-500">(you)</span> : null}
                  </p>
                  <p className="text-sm break-all text-zinc-500 dark:text-zinc-400">
                    {member.email}
                    <span className="sr-only">, </span>
                    <span className="ml-2 text-xs whitespace-nowrap" title={formatAbsolute(member.joinedAt)}>
                      joined {member.joinedAt.toLocaleDateString("en-US", { dateStyle: "medium" })}
                    </span>
                  </p>
                </div>
                {isEditable ? (
                  <label className="flex items-center gap-2 text-sm">
                    <span className="sr-only">Role of {member.name}</span>
                    <CompactSelect
                      id={roleId}
                      value={member.role}
                      disabled={isBusy}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${roleId}-error` : undefined}
                      onChange={(e) => void onRoleChange(member, e.target.value as TeamRoleName)}
                    >
                      {grantable.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </CompactSelect>
                  </label>
                ) : (
                  <span
                    className="rounded bg-zinc-100 px-2 py-1 text-xs font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
                    data-testid="member-role"
                  >
                    {ROLE_LABELS[member.role]}
                  </span>
                )}
                {isEditable ? (
                  <Button
                    type="button"
                    variant="ghost"
                    className="py-1.5 text-red-700! dark:text-red-400!"
                    disabled={isBusy}
                    aria-label={`Remove ${member.name}`}
                    aria-expanded={confirmRemove === member.userId}
                    onClick={() => setConfirmRemove(confirmRemove === member.userId ? null : member.userId)}
                  >
                    Remove
                  </Button>
                ) : null}
              </div>
              {confirmRemove === member.userId ? (
                <ConfirmPrompt
                  label={`Confirm removing ${member.name}`}
                  question={`Remove ${member.name} from ${teamName}? They lose access at once; an admin can invite them again.`}
                  confirmLabel="Yes, remove"
                  isLoading={isBusy}
                  onConfirm={() => void onRemove(member)}
                  onCancel={() => setConfirmRemove(null)}
                />
              ) : null}
              {error ? (
                <p id={`${roleId}-error`} role="alert" className="text-sm text-red-600 dark:text-red-400">
                  {error}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

function YourMembership({ members, me, teamName }: { members: Member[]; me: Me; teamName: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [newOwnerId, setNewOwnerId] = useState("");
  const [isConfirmingTransfer, setConfirmingTransfer] = useState(false);
  const others = members.filter((m) => m.userId !== me.userId);
  const newOwner = others.find((m) => m.userId === newOwnerId) ?? null;
  const isOnlyOwner = me.role === "owner" && members.filter((m) => m.role === "owner").length <= 1;

  const leave = useMutation(
    trpc.team.leave.mutationOptions({
      onSuccess: async () => {
        toast.success(`You left ${teamName}.`);
        await queryClient.invalidateQueries();
        router.push("/agents");
        router.refresh();
      },
      onError: (error) => toast.error(error.message),
    }),
  );
  const transfer = useMutation(
    trpc.team.transferOwnership.mutationOptions({
      onSuccess: async (_, { userId }) => {
        const name = members.find((m) => m.userId === userId)?.name ?? "The new owner";
        toast.success(`${name} now owns ${teamName}; you are an admin.`);
        setConfirmingTransfer(false);
        setNewOwnerId("");
        // Your role changed: every role-dependent view (navigation, buttons) reads it again.
        await queryClient.invalidateQueries();
      },
      onError: (error) => toast.error(error.message),
    }),
  );

  return (
    <Panel title="Your membership" className="space-y-5">
      {me.role === "owner" ? (
        <div className="space-y-2">
          <h3 className="text-sm font-semibold">Transfer ownership</h3>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            The new owner gets every permission in {teamName}, including this one; you become an admin.
          </p>
          {others.length === 0 ? (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">Invite someone first: there is nobody to transfer ownership to yet.</p>
          ) : (
            <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
              <label className="flex min-w-0 flex-col gap-1 text-sm sm:flex-row sm:items-center sm:gap-2">
                <span className="font-medium">New owner</span>
                <CompactSelect
                  className="min-w-0"
                  value={newOwnerId}
                  onChange={(e) => {
                    setNewOwnerId(e.target.value);
                    setConfirmingTransfer(false);
                  }}
                >
                  <option value="">Choose a member…</option>
                  {others.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.name} ({m.email})
                    </option>
                  ))}
                </CompactSelect>
              </label>
              <Button
                type="button"
                variant="secondary"
                disabled={!newOwner}
                aria-expanded={isConfirmingTransfer}
                onClick={() => setConfirmingTransfer(true)}
              >
                Transfer ownership…
              </Button>
            </div>
          )}
          {isConfirmingTransfer && newOwner ? (
            <ConfirmPrompt
              tone="warning"
              label="Confirm the transfer"
              question={`Make ${newOwner.name} the owner of ${teamName}? You will become an admin and cannot take ownership back yourself.`}
              confirmLabel="Yes, transfer"
              isLoading={transfer.isPending}
              onConfirm={() => transfer.mutate({ userId: newOwner.userId })}
              onCancel={() => setConfirmingTransfer(false)}
            />
          ) : null}
        </div>
      ) : null}

      <div className="space-y-2">
        <h3 className="text-sm font-semibold">Leave {teamName}</h3>
        {isOnlyOwner ? (
          <p id="leave-hint" className="text-sm text-zinc-600 dark:text-zinc-400">
            {others.length === 0
              ? "You are the only member; a team cannot be left without an owner."
              : "You are the only owner: transfer ownership to another member before leaving."}
          </p>
        ) : (
          <p id="leave-hint" className="text-sm text-zinc-600 dark:text-zinc-400">
            You lose access to its agents and approvals until someone invites you again.
          </p>
        )}
        <ConfirmButton
          variant="secondary"
          disabled={isOnlyOwner}
          aria-describedby="leave-hint"
          className="disabled:opacity-50"
          label="Confirm leaving"
          question={`Leave ${teamName} now?`}
          confirmLabel="Yes, leave"
          isLoading={leave.isPending}
          onConfirm={() => leave.mutate()}
        >
          Leave team…
        </ConfirmButton>
      </div>
    </Panel>
  );
}
