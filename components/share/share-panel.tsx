"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert, SuccessBox } from "../ui/alert";
import { Badge, type BadgeTone } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { PermissionGate } from "../teams/permission-gate";
import { usePermissions } from "../teams/use-permissions";
import { EmptyState } from "../ui/empty-state";
import { CopyableValue, Field, Input, Select } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { Section } from "../ui/panel";
import { Skeleton } from "../ui/skeleton";

const DAY_MS = 24 * 60 * 60 * 1000;
const EXPIRY_CHOICES = [
  ["1", "In 1 day"],
  ["7", "In 7 days"],
  ["30", "In 30 days"],
  ["90", "In 90 days"],
  ["365", "In 1 year"],
  ["date", "On a date…"],
  ["never", "Never"],
] as const;
type ExpiryChoice = (typeof EXPIRY_CHOICES)[number][0];

const STATUS_TONES: Record<LinkRow["status"], BadgeTone> = { active: "green", expired: "neutral", revoked: "red" };

/** The chosen expiry as a date; a calendar date means the end of that day, in the browser's time zone. */
function expiryOf(choice: ExpiryChoice, date: string): Date | null {
  if (choice === "never") return null;
  if (choice === "date") return new Date(`${date}T23:59:59`);
  return new Date(Date.now() + Number(choice) * DAY_MS);
}

/**
 * Read-only share links of one agent: the team's links with their status, and (for members and up)
 * a form to create one, which shows the new link once, and a revoke button on each active link.
 */
export function SharePanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const links = useQuery(trpc.share.list.queryOptions({ agentId }));
  const permissions = usePermissions();
  const canManage = permissions.can("share:manage");

  const [expiry, setExpiry] = useState<ExpiryChoice>("7");
  const [date, setDate] = useState("");
  const [redactToolData, setRedactToolData] = useState(true);
  const [redactMemories, setRedactMemories] = useState(true);
  const [created, setCreated] = useState<string | null>(null);
  const [copyState, setCopyState] = useState<"idle" | "copied" | "failed">("idle");
  const [dateError, setDateError] = useState<string | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.share.list.queryKey({ agentId }) });
  const create = useMutation(
    trpc.share.create.mutationOptions({
      onSuccess: async (result) => {
        setCreated(`${window.location.origin}${result.path}`);
        setCopyState("idle");
        await refresh();
      },
    }),
  );
  const fieldErrors = readFieldErrors(create.error);
  const expiryError = dateError ?? fieldErrors.expiresAt?.[0] ?? null;

  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopyState("copied");
    } catch {
      setCopyState("failed");
    }
  }

  return (
    <div className="space-y-6">
      <Section title="Share this agent's history">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Anyone with a link sees this agent&apos;s name, goal, status and timeline, read-only and without signing in. Revoke a link to
          close it at once.
        </p>

        {created ? (
          <SuccessBox data-testid="share-created" title="Link created. Copy it now: it is shown only once.">
            <div className="flex flex-col gap-2 sm:flex-row">
              <CopyableValue
                value={created}
                aria-label="New share link"
                className="bg-white py-2 text-zinc-900 dark:bg-zinc-900 dark:text-zinc-100"
                data-testid="share-url"
              />
              <div className="flex gap-2">
                <Button type="button" variant="secondary" onClick={() => copy(created)}>
                  {copyState === "copied" ? "Copied" : "Copy link"}
                </Button>
                <Button type="button" variant="ghost" onClick={() => setCreated(null)}>
                  Done
                </Button>
              </div>
            </div>
            {copyState === "failed" ? (
              <p className="text-xs text-zinc-700 dark:text-zinc-300" role="alert">
                The browser did not allow copying: select the link and copy it yourself.
              </p>
            ) : null}
          </SuccessBox>
        ) : null}

        {permissions.isLoading ? null : canManage ? (
          <form
            className="space-y-4 rounded-lg bg-white p-4 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              const expiresAt = expiryOf(expiry, date);
              if (expiresAt && Number.isNaN(expiresAt.getTime())) {
                setDateError("Choose the day the link should stop working.");
                return;
              }
              setDateError(null);
              create.mutate({ agentId, expiresAt, redactToolData, redactMemories });
            }}
          >
            <div className="grid gap-4 sm:grid-cols-2">
              <Field id="share-expiry" label="Link expires" error={expiry === "date" ? null : expiryError}>
                <Select
                  id="share-expiry"
                  value={expiry}
                  onChange={(e) => {
                    setExpiry(e.target.value as ExpiryChoice);
                    setDateError(null);
                  }}
                >
                  {EXPIRY_CHOICES.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </Select>
              </Field>
              {expiry === "date" ? (
                <Field id="share-expiry-date" label="Expiry date" hint="The link stops working at the end of that day." error={expiryError}>
                  <Input
                    id="share-expiry-date"
                    type="date"
                    value={date}
                    onChange={(e) => setDate(e.target.value)}
                    invalid={Boolean(expiryError)}
                  />
                </Field>
              ) : null}
            </div>
            <fieldset className="space-y-2">
              <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Hide from people with the link</legend>
              <label className="flex items-start gap-2 text-sm">
                <input type="checkbox" className="mt-0.5" checked={redactToolData} onChange={(e) => setRedactToolData(e.target.checked)} />
                <span>
                  Tool arguments and results
                  <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                    What the agent sent to its tools and what came back (and the memories made from them).
                  </span>
                </span>
              </label>
              <label className="flex items-start gap-2 text-sm">
                <input type="checkbox" className="mt-0.5" checked={redactMemories} onChange={(e) => setRedactMemories(e.target.checked)} />
                <span>
                  Memory contents
                  <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                    What the agent remembered and found in its memory. Recall scores stay visible.
                  </span>
                </span>
              </label>
              <p className="text-xs text-zinc-500 dark:text-zinc-400">
                The agent&apos;s own thoughts are always shown as written; if it quoted a result in a thought, the quote is shown.
              </p>
            </fieldset>
            {create.error && !expiryError ? <Alert variant="inline">{create.error.message}</Alert> : null}
            <Button type="submit" isLoading={create.isPending}>
              Create link
            </Button>
          </form>
        ) : (
          <PermissionGate permission="share:manage" action="create or revoke share links">
            {null}
          </PermissionGate>
        )}
      </Section>

      <Section title="Links">
        {links.isPending ? (
          <Skeleton className="h-20 rounded-lg" label="Loading links" />
        ) : links.isError ? (
          <Alert>The links could not be loaded: {links.error.message}</Alert>
        ) : links.data.length === 0 ? (
          <EmptyState data-testid="share-links-empty">No links yet: this agent&apos;s history is visible to your team only.</EmptyState>
        ) : (
          <ul className="space-y-2" data-testid="share-links">
            {links.data.map((link) => (
              <ShareLinkRow key={link.id} link={link} canManage={canManage} onChanged={refresh} />
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}

type LinkRow = inferRouterOutputs<AppRouter>["share"]["list"][number];

function ShareLinkRow({ link, canManage, onChanged }: { link: LinkRow; canManage: boolean; onChanged: () => Promise<void> }) {
  const trpc = useTRPC();
  const revoke = useMutation(trpc.share.revoke.mutationOptions({ onSuccess: onChanged }));
  const hidden = [link.redactToolData ? "tool data" : null, link.redactMemories ? "memories" : null].filter(Boolean);
  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="share-link"
      data-status={link.status}
    >
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={STATUS_TONES[link.status]} className="capitalize">
          {link.status}
        </Badge>
        <span className="text-zinc-700 dark:text-zinc-300">
          Created by {link.createdBy ?? "a former member"}{" "}
          <span title={formatAbsolute(link.createdAt)}>
            <RelativeText date={link.createdAt} />
          </span>
        </span>
      </div>
      <dl className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-xs text-zinc-600 sm:grid-cols-3 dark:text-zinc-400">
        <div>
          <dt className="inline">Hides: </dt>
          <dd className="inline">{hidden.length ? hidden.join(" and ") : "nothing"}</dd>
        </div>
        <div>
          <dt className="inline">{link.status === "revoked" ? "Revoked: " : link.status === "expired" ? "Expired: " : "Expires: "}</dt>
          <dd className="inline">
            {link.status === "revoked" ? formatAbsolute(link.revokedAt) : link.expiresAt ? formatAbsolute(link.expiresAt) : "never"}
          </dd>
        </div>
        <div>
          <dt className="inline">Last opened: </dt>
          <dd className="inline">{link.lastUsedAt ? <RelativeText date={link.lastUsedAt} /> : "never"}</dd>
        </div>
      </dl>
      {canManage && link.status === "active" ? (
        <div className="mt-2 flex flex-wrap gap-2">
          <ConfirmButton
            variant="secondary"
            confirmLabel="Revoke now"
            cancelLabel="Keep it"
            isLoading={revoke.isPending}
            onConfirm={() => revoke.mutate({ id: link.id })}
          >
            Revoke…
          </ConfirmButton>
        </div>
      ) : null}
      {revoke.error ? (
        <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-300">
          {revoke.error.message}
        </p>
      ) : null}
    </li>
  );
}
