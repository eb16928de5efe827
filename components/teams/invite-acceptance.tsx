"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { authClient } from "../auth/auth-client";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import { Alert } from "../ui/alert";
import { Skeleton } from "../ui/skeleton";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { describeRole, ROLE_LABELS } from "./roles";

const LINK = "text-brand-600 dark:text-brand-400 font-semibold hover:underline";

/** The invite page: what the invitation offers, then sign in / sign up (and back here) or accept. */
export function InviteAcceptance({ invitationId }: { invitationId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [isSigningOut, setSigningOut] = useState(false);
  const invitation = useQuery(trpc.team.invitation.queryOptions({ invitationId }, { retry: false }));
  const accept = useMutation(
    trpc.team.acceptInvitation.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          result.wasMember
            ? `You were already in ${result.teamName}; it is now your active team.`
            : `You joined ${result.teamName} as ${ROLE_LABELS[result.role].toLowerCase()}.`,
        );
        await queryClient.invalidateQueries();
        router.push("/agents");
        router.refresh();
      },
    }),
  );

  if (invitation.isPending) {
    return (
      <div className="space-y-3" aria-busy>
        <span className="sr-only">Loading the invitation…</span>
        <Skeleton className="h-6 w-2/3 rounded" />
        <Skeleton className="h-16 rounded" />
        <Skeleton className="h-9 rounded" />
      </div>
    );
  }

  if (invitation.isError) {
    const isGone = invitation.error.data?.code === "NOT_FOUND";
    return (
      <div className="space-y-4">
        <h1 className="text-lg font-semibold">{isGone ? "This invitation cannot be used" : "The invitation could not be loaded"}</h1>
        <p role="alert" className="text-sm text-zinc-700 dark:text-zinc-300">
          {invitation.error.message}
        </p>
        {isGone ? (
          <Link href="/agents" className={LINK}>
            Go to Longhaul
          </Link>
        ) : (
          <Button type="button" variant="secondary" onClick={() => void invitation.refetch()}>
            Try again
          </Button>
        )}
      </div>
    );
  }

  const data = invitation.data;
  const next = encodeURIComponent(`/invite/${invitationId}`);
  const role = ROLE_LABELS[data.role].toLowerCase();

  return (
    <div className="space-y-5" data-testid="invitation">
      <div className="space-y-1">
        <h1 className="text-lg font-semibold break-words">Join {data.teamName}</h1>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          {data.inviterName} invited <span className="font-medium break-all">{data.email}</span> to join as {role === "admin" ? "an" : "a"}{" "}
          <strong className="font-semibold">{role}</strong>.
        </p>
      </div>
      <dl className="space-y-2 rounded-lg bg-zinc-50 p-3 text-sm ring-1 ring-zinc-200 dark:bg-zinc-950 dark:ring-zinc-800">
        <div>
          <dt className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">As {role}</dt>
          <dd className="text-zinc-700 dark:text-zinc-300">{describeRole(data.role)}</dd>
        </div>
        <div>
          <dt className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">Expires</dt>
          <dd className="text-zinc-700 dark:text-zinc-300">
            <time dateTime={data.expiresAt.toISOString()} title={formatAbsolute(data.expiresAt)}>
              <RelativeText date={data.expiresAt} />
            </time>
          </dd>
        </div>
      </dl>

      {data.viewer === null ? (
        <div className="space-y-3">
          <p className="text-sm text-zinc-700 dark:text-zinc-300">Sign in, or create an account, with the invited address to accept.</p>
          <div className="flex flex-col gap-2">
            <Link
              href={`/sign-up?next=${next}`}
              className="bg-brand-600 hover:bg-brand-700 rounded-md px-3.5 py-2 text-center text-sm font-semibold text-white"
            >
              Create an account
            </Link>
            <Link
              href={`/sign-in?next=${next}`}
              className="rounded-md bg-white px-3.5 py-2 text-center text-sm font-semibold text-zinc-900 ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
            >
              Sign in
            </Link>
          </div>
        </div>
      ) : !data.viewer.isInvitedEmail ? (
        <div className="space-y-3">
          <div
            role="alert"
            className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
          >
            This invitation is for {data.email}, but you are signed in as <span className="break-all">{data.viewer.email}</span>. Sign out,
            then sign in or create an account with the invited address.
          </div>
          <Button
            type="button"
            variant="secondary"
            className="w-full"
            isLoading={isSigningOut}
            onClick={async () => {
              setSigningOut(true);
              await authClient.signOut();
              setSigningOut(false);
              // Signed out, the page offers sign-in and sign-up that come back to this invitation.
              await queryClient.resetQueries();
              router.refresh();
            }}
          >
            Sign out
          </Button>
        </div>
      ) : (
        <div className="space-y-3">
          {accept.error ? <Alert variant="inline">{accept.error.message}</Alert> : null}
          {data.viewer.isMember ? (
            <p className="text-sm text-zinc-700 dark:text-zinc-300">
              You are already in {data.teamName}. Accepting keeps your current role and switches you to the team.
            </p>
          ) : (
            <p className="text-sm text-zinc-700 dark:text-zinc-300">
              Signed in as <span className="font-medium break-all">{data.viewer.email}</span>.
            </p>
          )}
          <Button type="button" className="w-full" isLoading={accept.isPending} onClick={() => accept.mutate({ invitationId })}>
            Accept and join {data.teamName}
          </Button>
        </div>
      )}
      <p className="text-xs text-zinc-500 dark:text-zinc-400">Not expecting this? Ignore it; nothing happens unless you accept.</p>
    </div>
  );
}
