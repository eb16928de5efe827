"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { CHANNEL_KIND_LABELS, type ChannelKindName } from "~/shared/channels";
import { NOTIFICATION_KIND_INFO, NOTIFICATION_KINDS, notificationRuleInputSchema, type NotificationKind } from "~/shared/notifications";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input } from "../ui/field";

export type RuleValues = { name: string; kinds: NotificationKind[]; channelIds: string[]; minIntervalSeconds: string; isEnabled: boolean };
export type ChannelOption = { id: string; name: string; kind: ChannelKindName; isEnabled: boolean };

export const NEW_RULE: RuleValues = {
  name: "",
  kinds: ["approval_requested", "question_asked"],
  channelIds: [],
  minIntervalSeconds: "0",
  isEnabled: true,
};

const BOX = "h-4 w-4 rounded border-zinc-300 text-brand-600 focus:ring-brand-600 dark:border-zinc-700";

/** Checkboxes as one labelled group, with the group's error under it. */
export function CheckGroup({
  id,
  legend,
  error,
  hint,
  children,
}: {
  id: string;
  legend: string;
  error?: string | null;
  hint?: string;
  children: React.ReactNode;
}) {
  return (
    <fieldset className="space-y-1.5" aria-describedby={error ? `${id}-error` : undefined} aria-invalid={error ? true : undefined} id={id}>
      <legend className="block text-sm font-medium text-zinc-800 dark:text-zinc-200">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-2">{children}</div>
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-sm text-red-600 dark:text-red-400" data-field-error={id}>
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>
      ) : null}
    </fieldset>
  );
}

export function Check({
  checked,
  onChange,
  label,
  description,
  disabled,
}: {
  checked: boolean;
  onChange: (on: boolean) => void;
  label: string;
  description?: string;
  disabled?: boolean;
}) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input
        type="checkbox"
        className={`${BOX} mt-0.5`}
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>
        <span className="font-medium text-zinc-900 dark:text-zinc-100">{label}</span>
        {description ? <span className="block text-xs text-zinc-600 dark:text-zinc-400">{description}</span> : null}
      </span>
    </label>
  );
}

const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...new Set([...list, item])] : list.filter((x) => x !== item));

/** A team rule's form, for a new rule or a change: kinds, channels, minimum interval, enabled. Errors show under each field. */
export function RuleForm({
  ruleId,
  initial,
  channels,
  onDone,
}: {
  ruleId?: string;
  initial: RuleValues;
  channels: ChannelOption[];
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<RuleValues>(initial);
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const onSuccess = async (rule: { name: string }) => {
    toast.success(ruleId ? `Saved ${rule.name}.` : `Added ${rule.name}.`);
    await queryClient.invalidateQueries({ queryKey: trpc.notification.rules.queryKey() });
    onDone();
  };
  const create = useMutation(trpc.notification.createRule.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.notification.updateRule.mutationOptions({ onSuccess }));
  const mutation = ruleId ? update : create;
  const serverErrors = readFieldErrors(mutation.error);
  const errorFor = (field: keyof RuleValues) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = <K extends keyof RuleValues>(key: K, value: RuleValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    mutation.reset();
    const interval = values.minIntervalSeconds.trim() === "" ? Number.NaN : Number(values.minIntervalSeconds);
    const parsed = notificationRuleInputSchema.safeParse({ ...values, minIntervalSeconds: interval });
    if (!parsed.success) {
      setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>("form [aria-invalid='true'] input, form [aria-invalid='true']")?.focus(),
      );
      return;
    }
    setClientErrors({});
    if (ruleId) update.mutate({ id: ruleId, ...parsed.data });
    else create.mutate(parsed.data);
  }

  const prefix = ruleId ? `rule-${ruleId.slice(0, 8)}` : "new-rule";
  return (
    <form noValidate onSubmit={onSubmit} className="space-y-5" aria-label={ruleId ? `Change ${initial.name}` : "Add a rule"}>
      {mutation.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{mutation.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={`${prefix}-name`} label="Name" error={errorFor("name")}>
          <Input id={`${prefix}-name`} value={values.name} invalid={!!errorFor("name")} onChange={(e) => set("name", e.target.value)} />
        </Field>
        <Field
          id={`${prefix}-interval`}
          label="Minimum interval (seconds)"
          error={errorFor("minIntervalSeconds")}
          hint="0 sends each at once. Otherwise at most one message per interval; the rest arrive as one digest when it ends."
        >
          <Input
            id={`${prefix}-interval`}
            inputMode="numeric"
            value={values.minIntervalSeconds}
            invalid={!!errorFor("minIntervalSeconds")}
            onChange={(e) => set("minIntervalSeconds", e.target.value)}
          />
        </Field>
      </div>
      <CheckGroup id={`${prefix}-kinds`} legend="Send these events" error={errorFor("kinds")}>
        {NOTIFICATION_KINDS.map((kind) => (
          <Check
            key={kind}
            label={NOTIFICATION_KIND_INFO[kind].label}
            description={NOTIFICATION_KIND_INFO[kind].description}
            checked={values.kinds.includes(kind)}
            onChange={(on) => set("kinds", toggle(values.kinds, kind, on))}
          />
        ))}
      </CheckGroup>
      <CheckGroup
        id={`${prefix}-channels`}
        legend="To these channels"
        error={errorFor("channelIds")}
        hint={channels.length === 0 ? "The team has no channels yet: add one under Channels first." : undefined}
      >
        {channels.map((channel) => (
          <Check
            key={channel.id}
            label={channel.name}
            description={`${CHANNEL_KIND_LABELS[channel.kind]}${channel.isEnabled ? "" : " · switched off"}`}
            checked={values.channelIds.includes(channel.id)}
            onChange={(on) => set("channelIds", toggle(values.channelIds, channel.id, on))}
          />
        ))}
      </CheckGroup>
      <Check label="Enabled" checked={values.isEnabled} onChange={(on) => set("isEnabled", on)} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={mutation.isPending}>
          {ruleId ? "Save rule" : "Add rule"}
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
