"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { myNotificationRuleInputSchema, NOTIFICATION_KIND_INFO, NOTIFICATION_KINDS, type NotificationKind } from "~/shared/notifications";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input } from "../ui/field";
import { Panel } from "../ui/panel";
import { QuerySection } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";
import { Check, CheckGroup } from "./rule-form";

type Values = { kinds: NotificationKind[]; minIntervalSeconds: string; isEnabled: boolean };

/** "My e-mail notifications": the person's own rule in this team, sent to their address through the team's e-mail channel. */
export function MyEmailRule() {
  const trpc = useTRPC();
  const mine = useQuery(trpc.notification.myRules.queryOptions(undefined, { retry: false }));
  return (
    <Panel
      title="My e-mail notifications"
      description="Events you want by e-mail, whatever the team's rules send elsewhere. Only you see and change this."
      data-testid="my-email-rule"
    >
      <QuerySection
        query={mine}
        what="Your e-mail notifications"
        loading={<Skeleton className="h-24 rounded-lg" label="Loading" />}
        isEmpty={() => false}
        empty={null}
      >
        {(data) => (
          <MyEmailForm
            key={data.rule?.updatedAt ? String(data.rule.updatedAt) : "new"}
            email={data.email}
            hasEmailChannel={data.hasEmailChannel}
            initial={{
              kinds: data.rule?.kinds ?? [],
              minIntervalSeconds: String(data.rule?.minIntervalSeconds ?? 0),
              isEnabled: data.rule?.isEnabled ?? true,
            }}
          />
        )}
      </QuerySection>
    </Panel>
  );
}

function MyEmailForm({ email, hasEmailChannel, initial }: { email: string; hasEmailChannel: boolean; initial: Values }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(initial);
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const save = useMutation(
    trpc.notification.setMyRule.mutationOptions({
      onSuccess: async () => {
        toast.success("Saved your e-mail notifications.");
        await queryClient.invalidateQueries({ queryKey: trpc.notification.myRules.queryKey() });
      },
    }),
  );
  const serverErrors = readFieldErrors(save.error);
  const errorFor = (field: keyof Values) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    const interval = values.minIntervalSeconds.trim() === "" ? Number.NaN : Number(values.minIntervalSeconds);
    const parsed = myNotificationRuleInputSchema.safeParse({ ...values, minIntervalSeconds: interval });
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      return;
    }
    setClientErrors({});
    save.mutate(parsed.data);
  }
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-4" aria-label="My e-mail notifications">
      {hasEmailChannel ? (
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          Sent to <strong>{email}</strong> through the team&apos;s e-mail channel.
        </p>
      ) : (
        <p
          className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950 ring-1 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
          data-testid="no-email-channel"
        >
          The team has no e-mail channel switched on, so nothing can be e-mailed yet: what you choose here is kept, and sent once an admin
          adds one under Channels.
        </p>
      )}
      {save.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{save.error.message}</Alert> : null}
      <CheckGroup id="my-kinds" legend="E-mail me about" error={errorFor("kinds")}>
        {NOTIFICATION_KINDS.map((kind) => (
          <Check
            key={kind}
            label={NOTIFICATION_KIND_INFO[kind].label}
            checked={values.kinds.includes(kind)}
            onChange={(on) => set("kinds", on ? [...new Set([...values.kinds, kind])] : values.kinds.filter((k) => k !== kind))}
          />
        ))}
      </CheckGroup>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id="my-interval"
          label="Minimum interval (seconds)"
          error={errorFor("minIntervalSeconds")}
          hint="0: each at once; otherwise a digest."
        >
          <Input
            id="my-interval"
            inputMode="numeric"
            value={values.minIntervalSeconds}
            invalid={!!errorFor("minIntervalSeconds")}
            onChange={(e) => set("minIntervalSeconds", e.target.value)}
          />
        </Field>
      </div>
      <Check label="Enabled" checked={values.isEnabled} onChange={(on) => set("isEnabled", on)} />
      <Button type="submit" isLoading={save.isPending}>
        Save my e-mail notifications
      </Button>
    </form>
  );
}
