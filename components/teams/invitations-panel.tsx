"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import type { TeamRoleName } from "~/shared/roles";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert, AlertAction, SuccessBox } from "../ui/alert";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { CopyableValue, Field, Input, Select } from "../ui/field";
import { formatAbsolute, formatRelative } from "../ui/format";
import { Panel } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";
import { ROLE_LABELS, roleAbilities } from "./roles";

const INVITABLE: TeamRoleName[] = ["viewer", "member", "admin"];

async function copyLink(url: string) {
  try {
    await navigator.clipboard.writeText(url);
    toast.success("Link copied.");
  } catch {
    toast.error("Could not copy the link. Select it and copy it yourself.");
  }
}

/** A read-only invitation link with a copy button; the text stays selectable where the clipboard is unavailable. */
function LinkBox({ url, label, testId }: { url: string; label: string; testId: string }) {
  return (
    <div className="flex min-w-0 flex-col gap-2 sm:flex-row">
      <label className="min-w-0 flex-1">
        <span className="sr-only">{label}</span>
        <CopyableValue
          value={url}
          data-testid={testId}
          className="truncate bg-white py-1.5 text-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
        />
      </label>
      <Button
        type="button"
        variant="secondary"
        className="shrink-0 py-1.5"
        onClick={() => void copyLink(url)}
        aria-label={`Copy link: ${label}`}
      >
        Copy link
      </Button>
    </div>
  );
}

/** Invite by e-mail and the pending invitations, for admins and owners. */
export function InvitationsPanel({ teamName }: { teamName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRoleName>("member");
  const [emailMissing, setEmailMissing] = useState(false);
  const [created, setCreated] = useState<{ email: string; url: string; emailChannel: string | null } | null>(null);
  const invitations = useQuery(trpc.team.invitations.queryOptions(undefined, { retry: false }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.team.invitations.queryKey() });

  const invite = useMutation(
    trpc.team.invite.mutationOptions({
      onSuccess: async (result) => {
        const url = `${window.location.origin}${result.path}`;
        const emailChannel = result.email === "queued" ? (result.emailChannel ?? "the team's e-mail channel") : null;
        setCreated({ email: result.invitation.email, url, emailChannel });
        setEmail("");
        const what = result.isRenewed
          ? `The pending invitation for ${result.invitation.email} was renewed: same link, valid 7 more days.`
          : `Invitation for ${result.invitation.email} created.`;
        const delivery =
          result.email === "queued"
            ? ` An e-mail is on its way through ${emailChannel}.`
            : result.email === "sent"
              ? " It was also sent by e-mail."
              : result.email === "failed"
                ? " The e-mail could not be sent: copy the link and send it yourself."
                : " Copy the link and send it to them.";
        if (result.email === "failed") toast.warning(what + delivery);
        else toast.success(what + delivery);
        await refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.team.revokeInvitation.mutationOptions({
      onSuccess: async () => {
        toast.success("Invitation revoked. Its link no longer works.");
        await refresh();
      },
      onError: (error) => toast.error(error.message),
    }),
  );

  const fieldErrors = readFieldErrors(invite.error);
  const emailError = emailMissing ? "Enter the email address of the person to invite." : (fieldErrors.email?.[0] ?? null);
  const roleError = fieldErrors.role?.[0] ?? null;
  const formError = invite.error && !fieldErrors.email && !fieldErrors.role ? invite.error.message : null;
  // Relative expiry times are as of the list's last fetch (it refetches on focus), which keeps render pure.
  const now = invitations.dataUpdatedAt;

  return (
    <Panel
      title="Invite people"
      description="An invitation is a link for one email address, valid for 7 days and usable once. Copy it and send it to them."
    >
      <form
        noValidate
        aria-label={`Invite someone to ${teamName}`}
        className="grid gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-start"
        onSubmit={(event) => {
          event.preventDefault();
          const missing = email.trim() === "";
          setEmailMissing(missing);
          if (missing) return;
          setCreated(null);
          invite.mutate({ email, role });
        }}
      >
        {formError ? (
          <div className="sm:col-span-3">
            <Alert variant="inline">{formError}</Alert>
          </div>
        ) : null}
        <Field id="invite-email" label="Email" error={emailError}>
          <Input
            id="invite-email"
            type="email"
            autoComplete="off"
            placeholder="name@example.com"
            value={email}
            invalid={!!emailError}
            onChange={(e) => {
              setEmail(e.target.value);
              setEmailMissing(false);
            }}
          />
        </Field>
        <Field id="invite-role" label="Role" error={roleError}>
          <Select id="invite-role" value={role} invalid={!!roleError} onChange={(e) => setRole(e.target.value as TeamRoleName)}>
            {INVITABLE.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </Select>
        </Field>
        <div className="sm:pt-6">
          <Button type="submit" isLoading={invite.isPending} className="w-full sm:w-auto">
            Create invitation link
          </Button>
        </div>
        <p className="-mt-2 text-xs text-zinc-500 sm:col-span-3 dark:text-zinc-400">
          {ROLE_LABELS[role]}s can {roleAbilities(role)}.
        </p>
      </form>

      {created ? (
        <SuccessBox
          data-testid="invitation-created"
          title={
            created.emailChannel ? (
              <>
                An e-mail is on its way to {created.email} through {created.emailChannel}. They sign in (or create an account) with that
                address and accept. The link is here too, to copy if it does not arrive.
              </>
            ) : (
              <>Send this link to {created.email}. They sign in (or create an account) with that address and accept.</>
            )
          }
        >
          <LinkBox url={created.url} label={`Invitation link for ${created.email}`} testId="invite-link" />
        </SuccessBox>
      ) : null}

      <div className="space-y-2">
        <h3 className="text-sm font-semibold">Pending invitations</h3>
        {invitations.isPending ? (
          <Skeleton className="h-16 rounded-lg" label="Loading invitations" />
        ) : invitations.isError ? (
          <Alert>
            The invitations could not be loaded: {invitations.error.message}{" "}
            <AlertAction onClick={() => void invitations.refetch()}>Try again</AlertAction>
          </Alert>
        ) : invitations.data.length === 0 ? (
          <EmptyState size="sm">No pending invitations.</EmptyState>
        ) : (
          <ul
            className="divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200 dark:divide-zinc-800 dark:ring-zinc-800"
            aria-label="Pending invitations"
          >
            {invitations.data.map((invitation) => {
              const url = typeof window === "undefined" ? `/invite/${invitation.id}` : `${window.location.origin}/invite/${invitation.id}`;
              const isRevoking = revoke.isPending && revoke.variables?.invitationId === invitation.id;
              return (
                <li key={invitation.id} className="space-y-2 p-3" data-testid="invitation" data-email={invitation.email}>
                  <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                    <span className="min-w-0 font-medium break-all">{invitation.email}</span>
                    <span className="rounded bg-zinc-100 px-1.5 py-0.5 text-xs font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
                      {ROLE_LABELS[invitation.role]}
                    </span>
                    <span className="text-xs text-zinc-500 dark:text-zinc-400">
                      {invitation.isExpired ? (
                        <span className="font-medium text-amber-700 dark:text-amber-400">Expired — invite again to renew it</span>
                      ) : (
                        <>
                          Expires{" "}
                          <time dateTime={invitation.expiresAt.toISOString()} title={formatAbsolute(invitation.expiresAt)}>
                            {formatRelative(invitation.expiresAt, now)}
                          </time>
                        </>
                      )}{" "}
                      · invited by {invitation.inviter.name}
                    </span>
                  </div>
                  <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
                    <div className="min-w-0 flex-1">
                      <LinkBox url={url} label={`Invitation link for ${invitation.email}`} testId="invitation-link" />
                    </div>
                    <Button
                      type="button"
                      variant="ghost"
                      className="shrink-0 py-1.5 text-red-700! dark:text-red-400!"
                      isLoading={isRevoking}
                      disabled={isRevoking}
                      aria-label={`Revoke the invitation for ${invitation.email}`}
                      onClick={() => revoke.mutate({ invitationId: invitation.id })}
                    >
                      Revoke
                    </Button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </Panel>
  );
}
