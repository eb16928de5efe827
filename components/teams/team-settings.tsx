"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import { roleRank, TEAM_ROLES, type TeamRoleName } from "~/shared/roles";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { formatAbsolute } from "../ui/format";
import { InvitationsPanel } from "./invitations-panel";
import { ROLE_LABELS, ROLE_WITH_ARTICLE, roleAbilities } from "./roles";

type TeamMembers = inferRouterOutputs<AppRouter>["team"]["members"];
type Member = TeamMembers["members"][number];
type Me = TeamMembers["me"];

const CARD = "rounded-xl bg-white p-4 ring-1 ring-zinc-200 sm:p-5 dark:bg-zinc-900 dark:ring-zinc-800";
const SELECT =
  "rounded-md border-0 bg-white py-1.5 pr-8 pl-2.5 text-sm ring-1 ring-zinc-300 ring-inset disabled:opacity-60 dark:bg-zinc-900 dark:ring-zinc-700";

/** The Team page: members and their roles, invitations (admins and owners), leaving and transferring ownership. */
export function TeamSettings() {
  const trpc = useTRPC();
  const members = useQuery(trpc.team.members.queryOptions(undefined, { retry: false }));

  if (members.isPending) {
    return (
      <div className="space-y-4" aria-busy>
        <span className="sr-only">Loading the team…</span>
        <div className="h-8 w-48 animate-pulse rounded bg-zinc-100 dark:bg-zinc-800" />
        {[0, 1].map((i) => (
          <div key={i} className="h-40 animate-pulse rounded-xl bg-zinc-100 dark:bg-zinc-800" />
        ))}
      </div>
    );
  }
  if (members.isError) {
    return (
      <div role="alert" className="rounded-lg bg-red-50 p-4 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
        The team could not be loaded: {members.error.message}{" "}
        <button type="button" className="font-semibold underline" onClick={() => void members.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const { me, team } = members.data;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold break-words">{team.name}</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          You are {ROLE_WITH_ARTICLE[me.role]} here: you can {roleAbilities(me.role)}.
        </p>
      </div>
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
    <section aria-labelledby="members-heading" className={`${CARD} space-y-3`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="members-heading" className="text-lg font-semibold">
          Members <span className="text-sm font-normal text-zinc-500 tabular-nums">{members.length}</span>
        </h2>
        {!me.canManage ? (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">Admins and owners change roles and invite people.</p>
        ) : null}
      </div>
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
                    <select
                      id={roleId}
                      className={SELECT}
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
                    </select>
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
                <div
                  role="group"
                  aria-label={`Confirm removing ${member.name}`}
                  className="flex flex-wrap items-center gap-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
                >
                  <span className="min-w-0 grow basis-56">
                    Remove {member.name} from {teamName}? They lose access at once; an admin can invite them again.
                  </span>
                  <Button type="button" variant="danger" className="py-1.5" isLoading={isBusy} onClick={() => void onRemove(member)}>
                    Yes, remove
                  </Button>
                  <Button type="button" variant="secondary" className="py-1.5" onClick={() => setConfirmRemove(null)}>
                    Cancel
                  </Button>
                </div>
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
    </section>
  );
}

function YourMembership({ members, me, teamName }: { members: Member[]; me: Me; teamName: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [isConfirmingLeave, setConfirmingLeave] = useState(false);
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
    <section aria-labelledby="membership-heading" className={`${CARD} space-y-5`}>
      <h2 id="membership-heading" className="text-lg font-semibold">
        Your membership
      </h2>

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
                <select
                  className={`${SELECT} min-w-0`}
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
                </select>
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
            <div
              role="group"
              aria-label="Confirm the transfer"
              className="flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
            >
              <span className="min-w-0 grow basis-56">
                Make {newOwner.name} the owner of {teamName}? You will become an admin and cannot take ownership back yourself.
              </span>
              <Button
                type="button"
                variant="danger"
                className="py-1.5"
                isLoading={transfer.isPending}
                onClick={() => transfer.mutate({ userId: newOwner.userId })}
              >
                Yes, transfer
              </Button>
              <Button type="button" variant="secondary" className="py-1.5" onClick={() => setConfirmingTransfer(false)}>
                Cancel
              </Button>
            </div>
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
        {isConfirmingLeave ? (
          <div
            role="group"
            aria-label="Confirm leaving"
            className="flex flex-wrap items-center gap-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
          >
            <span className="min-w-0 grow basis-56">Leave {teamName} now?</span>
            <Button type="button" variant="danger" className="py-1.5" isLoading={leave.isPending} onClick={() => leave.mutate()}>
              Yes, leave
            </Button>
            <Button type="button" variant="secondary" className="py-1.5" onClick={() => setConfirmingLeave(false)}>
              Cancel
            </Button>
          </div>
        ) : (
          <Button
            type="button"
            variant="secondary"
            disabled={isOnlyOwner}
            aria-describedby="leave-hint"
            className="disabled:opacity-50"
            onClick={() => setConfirmingLeave(true)}
          >
            Leave team…
          </Button>
        )}
      </div>
    </section>
  );
}
