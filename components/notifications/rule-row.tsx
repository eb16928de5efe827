"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import { NOTIFICATION_KIND_INFO } from "~/shared/notifications";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmButton } from "../ui/confirm";
import { RuleForm, type ChannelOption } from "./rule-form";

type Rule = inferRouterOutputs<AppRouter>["notification"]["rules"][number];

/** "every message at once", "at most one per 5 min, then a digest". */
export function intervalText(seconds: number) {
  if (seconds === 0) return "each at once";
  const span = seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
  return `at most one message per ${span}, the rest in a digest`;
}

/** One team rule: what it sends where and how often; change and delete for admins. */
export function RuleRow({ rule, channels, canManage }: { rule: Rule; channels: ChannelOption[]; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [isEditing, setEditing] = useState(false);
  const remove = useMutation(
    trpc.notification.deleteRule.mutationOptions({
      onSuccess: async () => {
        toast.success(`Deleted ${rule.name}.`);
        await queryClient.invalidateQueries({ queryKey: trpc.notification.rules.queryKey() });
      },
    }),
  );
  const names = rule.channelIds.map((id) => channels.find((c) => c.id === id)?.name ?? "a deleted channel");
  return (
    <li
      className="rounded-lg bg-white p-3 text-sm ring-1 ring-zinc-200 sm:p-4 dark:bg-zinc-900 dark:ring-zinc-800"
      data-testid="notification-rule"
      data-name={rule.name}
    >
      {isEditing ? (
        <RuleForm
          ruleId={rule.id}
          channels={channels}
          initial={{ ...rule, minIntervalSeconds: String(rule.minIntervalSeconds) }}
          onDone={() => setEditing(false)}
        />
      ) : (
        <>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="font-semibold">{rule.name}</span>
            {rule.isEnabled ? <Badge tone="green">Enabled</Badge> : <Badge>Off</Badge>}
          </div>
          <p className="mt-1 text-zinc-700 dark:text-zinc-300">
            {rule.kinds.map((k) => NOTIFICATION_KIND_INFO[k].label).join(", ")} → {names.join(", ")}
          </p>
          <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">{intervalText(rule.minIntervalSeconds)}</p>
          {canManage ? (
            <div className="mt-3 flex flex-wrap gap-2">
              <Button type="button" variant="secondary" className="py-1.5" onClick={() => setEditing(true)}>
                Change
              </Button>
              <ConfirmButton
                variant="ghost"
                className="py-1.5"
                label={`Confirm deleting ${rule.name}`}
                question={<>Delete the rule {rule.name}? Its channels get nothing more from it.</>}
                confirmLabel="Delete rule"
                isLoading={remove.isPending}
                onConfirm={() => remove.mutate({ id: rule.id })}
              >
                Delete
              </ConfirmButton>
            </div>
          ) : null}
          {remove.error ? <Alert variant="inline">{remove.error.message}</Alert> : null}
        </>
      )}
    </li>
  );
}
