"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { CHANNEL_KIND_LABELS } from "~/shared/channels";
import { useTRPC } from "../trpc/react";
import { Notice } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { formatAbsolute, formatRelative } from "../ui/format";
import { ChannelForm, type ChannelView } from "./channel-form";

/**
 * One channel: its kind, where it sends (a hint, never the URL), its rate limit, whether it is on and
 * what the last Send test did. Admins test, edit, rotate a webhook's secret and delete it.
 */
export function ChannelCard({
  channel,
  canManage,
  now,
  onSecret,
}: {
  channel: ChannelView;
  canManage: boolean;
  now: number;
  onSecret: (shown: { name: string; signingSecret: string }) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isEditing, setEditing] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.channel.list.queryKey() });
  const test = useMutation(trpc.channel.test.mutationOptions({ onSettled: refresh }));
  const rotate = useMutation(
    trpc.channel.rotateSecret.mutationOptions({
      onSuccess: async (rotated) => {
        onSecret({ name: rotated.channel.name, signingSecret: rotated.signingSecret });
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.channel.delete.mutationOptions({
      onSuccess: async (deleted) => {
        toast.success(deleted.message);
        await refresh();
      },
    }),
  );
  const last = channel.lastTest;
  const testedAt = last ? new Date(last.at) : null;
  const error = test.error ?? rotate.error ?? remove.error;

  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 sm:p-4 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="channel"
      data-name={channel.name}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="font-semibold break-all">{channel.name}</span>
        <Badge tone="sky">{CHANNEL_KIND_LABELS[channel.kind]}</Badge>
        {channel.isEnabled ? <Badge tone="green">On</Badge> : <Badge>Off</Badge>}
      </div>
      <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        Sends to{" "}
        <code className="font-mono break-all" data-testid="channel-target">
          {channel.targetHint || "—"}
        </code>{" "}
        · at most {channel.ratePerMinute} a minute
        {channel.kind === "webhook" ? " · signed" : ""}
        {channel.kind === "slack" ? (channel.secretsSet.slackSigningSecret ? " · interactive buttons" : " · link buttons") : ""}
      </p>
      <p className="mt-1 text-xs" data-testid="channel-last-test">
        {last && testedAt ? (
          <span className={last.ok ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"}>
            Last test{" "}
            <time dateTime={testedAt.toISOString()} title={formatAbsolute(testedAt)}>
              {formatRelative(testedAt, Math.max(now, testedAt.getTime()))}
            </time>
            : {last.message}
          </span>
        ) : (
          <span className="text-zinc-500 dark:text-zinc-400">Not tested yet.</span>
        )}
      </p>
      {canManage && !isEditing ? (
        <div className="mt-3 flex flex-wrap gap-2">
          <Button type="button" className="py-1.5" isLoading={test.isPending} onClick={() => test.mutate({ id: channel.id })}>
            Send test<span className="sr-only"> to {channel.name}</span>
          </Button>
          <Button type="button" variant="secondary" className="py-1.5" onClick={() => setEditing(true)}>
            Edit<span className="sr-only"> {channel.name}</span>
          </Button>
          {channel.kind === "webhook" ? (
            <ConfirmButton
              variant="secondary"
              className="py-1.5"
              label={`Confirm rotating the signing secret of ${channel.name}`}
              confirmLabel="Make a new secret"
              isLoading={rotate.isPending}
              onConfirm={() => rotate.mutate({ id: channel.id })}
            >
              Rotate secret…
            </ConfirmButton>
          ) : null}
          <ConfirmButton
            variant="ghost"
            className="py-1.5"
            label={`Confirm deleting ${channel.name}`}
            question={<>Delete {channel.name}? Its delivery log goes with it, and agents that send messages to it stop doing so.</>}
            confirmLabel="Delete channel"
            isLoading={remove.isPending}
            onConfirm={() => remove.mutate({ id: channel.id })}
          >
            Delete…<span className="sr-only"> {channel.name}</span>
          </ConfirmButton>
        </div>
      ) : null}
      {canManage && isEditing ? (
        <div className="mt-3">
          <ChannelForm channel={channel} onDone={() => setEditing(false)} />
        </div>
      ) : null}
      <Notice
        className="mt-2"
        message={
          test.data
            ? { kind: test.data.ok ? "ok" : "error", text: test.data.message }
            : error
              ? { kind: "error", text: error.message }
              : null
        }
      />
    </li>
  );
}
