"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { ROLE_LABELS } from "../teams/roles";
import { useTRPC } from "../trpc/react";
import { Notice } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { ConfirmButton } from "../ui/confirm";
import { formatAbsolute, formatRelative } from "../ui/format";

type Token = inferRouterOutputs<AppRouter>["apiToken"]["list"][number];

const STATUS_TONES: Record<Token["status"], BadgeTone> = { active: "green", expired: "amber", revoked: "neutral" };

/**
 * A moment as "3 hours ago", with the exact time on hover. `isPast`: the moment has happened (created,
 * used, revoked), so a page clock that ticks only every 30 s never shows it "in 2 seconds".
 */
function When({ date, now, never = "never", isPast = true }: { date: Date | null; now: number; never?: string; isPast?: boolean }) {
  if (!date) return <>{never}</>;
  const at = new Date(date);
  return (
    <time dateTime={at.toISOString()} title={formatAbsolute(at)}>
      {formatRelative(at, isPast ? Math.max(now, at.getTime()) : now)}
    </time>
  );
}

/** One token: name, status, role, prefix, creator, created, last used and expiry; revoke (with confirmation) where allowed. */
export function TokenRow({ token, now }: { token: Token; now: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(
    trpc.apiToken.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiToken.list.queryKey() }),
    }),
  );
  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 sm:p-4 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="api-token"
      data-status={token.status}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="min-w-0 font-semibold break-words">{token.name}</span>
        <Badge tone={STATUS_TONES[token.status]} className="capitalize">
          {token.status}
        </Badge>
        <Badge tone="sky">{ROLE_LABELS[token.role]}</Badge>
        <code className="font-mono text-xs text-zinc-600 dark:text-zinc-400" data-testid="api-token-prefix">
          {token.prefix}…
        </code>
      </div>
      <dl className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-xs text-zinc-600 sm:grid-cols-2 lg:grid-cols-4 dark:text-zinc-400">
        <div>
          <dt className="inline">Created: </dt>
          <dd className="inline">
            <When date={token.createdAt} now={now} /> by {token.createdBy.name}
          </dd>
        </div>
        <div>
          <dt className="inline">Last used: </dt>
          <dd className="inline" data-testid="api-token-last-used">
            <When date={token.lastUsedAt} now={now} />
          </dd>
        </div>
        <div>
          <dt className="inline">{token.status === "expired" ? "Expired: " : "Expires: "}</dt>
          <dd className="inline">
            <When date={token.expiresAt} now={now} never="never (until revoked)" isPast={false} />
          </dd>
        </div>
        {token.revokedAt ? (
          <div>
            <dt className="inline">Revoked: </dt>
            <dd className="inline">
              <When date={token.revokedAt} now={now} />
            </dd>
          </div>
        ) : null}
      </dl>
      {token.status === "active" && token.mayRevoke ? (
        <div className="mt-3 flex flex-wrap items-center gap-2">
          <ConfirmButton
            variant="secondary"
            className="py-1.5"
            label={`Confirm revoking ${token.name}`}
            question={<>Revoke &ldquo;{token.name}&rdquo;? Whatever uses it is refused from now on; this cannot be undone.</>}
            confirmLabel="Revoke token"
            isLoading={revoke.isPending}
            onConfirm={() => revoke.mutate({ id: token.id })}
          >
            Revoke…<span className="sr-only"> {token.name}</span>
          </ConfirmButton>
        </div>
      ) : null}
      <Notice message={revoke.error ? { kind: "error", text: revoke.error.message } : null} className="mt-2" />
    </li>
  );
}
