"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import type { AppRouter } from "~/server/api/root";
import {
  CHANNEL_RATE_DEFAULT,
  CHANNEL_URL_HINTS,
  channelInputSchema,
  SMTP_DEFAULT_PORTS,
  SMTP_SECURITIES,
  SMTP_SECURITY_LABELS,
  type SmtpSecurity,
} from "~/shared/channel-settings";
import { CHANNEL_KIND_LABELS, CHANNEL_KINDS, type ChannelKindName } from "~/shared/channels";
import { zodFieldErrors } from "~/shared/validation";
import { readFieldErrors } from "../trpc/errors";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Field, Input, Select, Textarea } from "../ui/field";

export type ChannelView = inferRouterOutputs<AppRouter>["channel"]["list"][number];

type Values = {
  kind: ChannelKindName;
  name: string;
  ratePerMinute: string;
  isEnabled: boolean;
  url: string;
  slackSigningSecret: string;
  removeSlackSigningSecret: boolean;
  host: string;
  port: string;
  security: SmtpSecurity;
  user: string;
  password: string;
  from: string;
  recipients: string;
};

function initialValues(channel?: ChannelView): Values {
  return {
    kind: channel?.kind ?? "webhook",
    name: channel?.name ?? "",
    ratePerMinute: String(channel?.ratePerMinute ?? CHANNEL_RATE_DEFAULT),
    isEnabled: channel?.isEnabled ?? true,
    url: "",
    slackSigningSecret: "",
    removeSlackSigningSecret: false,
    host: channel?.email?.host ?? "",
    port: String(channel?.email?.port ?? SMTP_DEFAULT_PORTS.starttls),
    security: channel?.email?.security ?? "starttls",
    user: channel?.email?.user ?? "",
    password: "",
    from: channel?.email?.from ?? "",
    recipients: channel?.email?.recipients.join("\n") ?? "",
  };
}

/** The fields a request sends for a kind (the others would be refused). */
function payloadOf(values: Values, isEdit: boolean) {
  const common = { name: values.name, ratePerMinute: values.ratePerMinute, isEnabled: values.isEnabled };
  if (values.kind === "email") {
    return {
      ...common,
      host: values.host,
      port: values.port,
      security: values.security,
      user: values.user,
      ...(values.password || !isEdit ? { password: values.password } : {}),
      from: values.from,
      recipients: values.recipients
        .split(/[\n,;]+/)
        .map((r) => r.trim())
        .filter(Boolean),
    };
  }
  return {
    ...common,
    url: values.url,
    ...(values.kind === "slack" ? { slackSigningSecret: values.slackSigningSecret } : {}),
    ...(values.kind === "slack" && isEdit && values.removeSlackSigningSecret ? { removeSlackSigningSecret: true } : {}),
  };
}

/**
 * Adding or editing a channel: the kind (fixed once saved), then its own fields. Write-only values
 * (URLs of chat tools, secrets, the password) start empty when editing: left empty, they stay.
 */
export function ChannelForm({
  channel,
  onDone,
  onCreated,
}: {
  channel?: ChannelView;
  onDone: () => void;
  onCreated?: (created: { name: string; signingSecret: string | null }) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isEdit = channel !== undefined;
  const [values, setValues] = useState<Values>(() => initialValues(channel));
  const [clientErrors, setClientErrors] = useState<Record<string, string[]>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.channel.list.queryKey() });
  const create = useMutation(
    trpc.channel.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(`Added ${created.channel.name}.`);
        await refresh();
        onCreated?.({ name: created.channel.name, signingSecret: created.signingSecret });
        onDone();
      },
    }),
  );
  const update = useMutation(
    trpc.channel.update.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(`Saved ${updated.name}.`);
        await refresh();
        onDone();
      },
    }),
  );
  const mutation = isEdit ? update : create;
  const serverErrors = readFieldErrors(mutation.error);
  const errorFor = (field: string) => clientErrors[field]?.[0] ?? serverErrors[field]?.[0] ?? null;
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setClientErrors(({ [key]: _edited, ...rest }) => rest);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    mutation.reset();
    const payload = payloadOf(values, isEdit);
    if (!isEdit) {
      const parsed = channelInputSchema.safeParse({ kind: values.kind, ...payload });
      if (!parsed.success) {
        setClientErrors(zodFieldErrors(parsed.error).fieldErrors);
        requestAnimationFrame(() => document.querySelector<HTMLElement>("form [aria-invalid='true']")?.focus());
        return;
      }
      setClientErrors({});
      create.mutate(parsed.data);
      return;
    }
    setClientErrors({});
    update.mutate({ id: channel.id, ...payload });
  }

  const idOf = (field: string) => `channel-${channel?.id ?? "new"}-${field}`;
  const keepHint = (what: string) => (isEdit ? `Stored and never shown again; leave empty to keep it. ${what}` : what);

  return (
    <form noValidate onSubmit={onSubmit} className="space-y-5" aria-label={isEdit ? `Edit ${channel.name}` : "Add a channel"}>
      {mutation.error && Object.keys(serverErrors).length === 0 ? <Alert variant="inline">{mutation.error.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id={idOf("kind")}
          label="Kind"
          hint={isEdit ? "A channel's kind stays what it was made as." : undefined}
          error={errorFor("kind")}
        >
          <Select id={idOf("kind")} value={values.kind} disabled={isEdit} onChange={(e) => set("kind", e.target.value as ChannelKindName)}>
            {CHANNEL_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {CHANNEL_KIND_LABELS[kind]}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={idOf("name")} label="Name" error={errorFor("name")} hint="How agents and people pick it, e.g. Ops alerts.">
          <Input
            id={idOf("name")}
            autoComplete="off"
            value={values.name}
            invalid={!!errorFor("name")}
            onChange={(e) => set("name", e.target.value)}
          />
        </Field>
      </div>
      {values.kind !== "email" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id={idOf("url")}
            label={values.kind === "webhook" ? "Receiver URL" : "Webhook URL"}
            error={errorFor("url")}
            hint={keepHint(CHANNEL_URL_HINTS[values.kind])}
          >
            <Input
              id={idOf("url")}
              type={values.kind === "webhook" ? "url" : "password"}
              autoComplete="off"
              spellCheck={false}
              placeholder={isEdit ? channel.targetHint : "https://"}
              value={values.url}
              invalid={!!errorFor("url")}
              onChange={(e) => set("url", e.target.value)}
            />
          </Field>
          {values.kind === "slack" ? (
            <Field
              id={idOf("slackSigningSecret")}
              label="Slack app signing secret (optional)"
              error={errorFor("slackSigningSecret")}
              hint={keepHint("With it, approval buttons act in Longhaul; without, they open the dashboard.")}
            >
              <Input
                id={idOf("slackSigningSecret")}
                type="password"
                autoComplete="off"
                value={values.slackSigningSecret}
                invalid={!!errorFor("slackSigningSecret")}
                onChange={(e) => set("slackSigningSecret", e.target.value)}
              />
            </Field>
          ) : null}
          {values.kind === "slack" && isEdit && channel.secretsSet.slackSigningSecret ? (
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={values.removeSlackSigningSecret}
                onChange={(e) => set("removeSlackSigningSecret", e.target.checked)}
              />
              Remove the stored Slack signing secret (buttons become links)
            </label>
          ) : null}
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id={idOf("host")} label="SMTP host" error={errorFor("host")} hint="e.g. smtp.example.com">
            <Input
              id={idOf("host")}
              autoComplete="off"
              spellCheck={false}
              value={values.host}
              invalid={!!errorFor("host")}
              onChange={(e) => set("host", e.target.value)}
            />
          </Field>
          <Field id={idOf("security")} label="Security" error={errorFor("security")}>
            <Select
              id={idOf("security")}
              value={values.security}
              onChange={(e) => {
                const security = e.target.value as SmtpSecurity;
                setValues((v) => ({ ...v, security, port: String(SMTP_DEFAULT_PORTS[security]) }));
              }}
            >
              {SMTP_SECURITIES.map((s) => (
                <option key={s} value={s}>
                  {SMTP_SECURITY_LABELS[s]}
                </option>
              ))}
            </Select>
          </Field>
          <Field id={idOf("port")} label="Port" error={errorFor("port")}>
            <Input
              id={idOf("port")}
              inputMode="numeric"
              value={values.port}
              invalid={!!errorFor("port")}
              onChange={(e) => set("port", e.target.value)}
            />
          </Field>
          <Field id={idOf("user")} label="User (optional)" error={errorFor("user")}>
            <Input
              id={idOf("user")}
              autoComplete="off"
              value={values.user}
              invalid={!!errorFor("user")}
              onChange={(e) => set("user", e.target.value)}
            />
          </Field>
          <Field id={idOf("password")} label="Password" error={errorFor("password")} hint={keepHint("Encrypted at rest.")}>
            <Input
              id={idOf("password")}
              type="password"
              autoComplete="new-password"
              value={values.password}
              invalid={!!errorFor("password")}
              onChange={(e) => set("password", e.target.value)}
            />
          </Field>
          <Field id={idOf("from")} label="From" error={errorFor("from")} hint="e.g. Longhaul <alerts@example.com>">
            <Input
              id={idOf("from")}
              autoComplete="off"
              value={values.from}
              invalid={!!errorFor("from")}
              onChange={(e) => set("from", e.target.value)}
            />
          </Field>
          <Field id={idOf("recipients")} label="Recipients" error={errorFor("recipients")} hint="One address a line (at most 20).">
            <Textarea
              id={idOf("recipients")}
              rows={3}
              value={values.recipients}
              invalid={!!errorFor("recipients")}
              onChange={(e) => set("recipients", e.target.value)}
            />
          </Field>
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          id={idOf("ratePerMinute")}
          label="Messages a minute at most"
          error={errorFor("ratePerMinute")}
          hint="1–600; more wait their turn."
        >
          <Input
            id={idOf("ratePerMinute")}
            inputMode="numeric"
            value={values.ratePerMinute}
            invalid={!!errorFor("ratePerMinute")}
            onChange={(e) => set("ratePerMinute", e.target.value)}
          />
        </Field>
        <label className="flex items-center gap-2 self-end pb-2 text-sm">
          <input type="checkbox" checked={values.isEnabled} onChange={(e) => set("isEnabled", e.target.checked)} />
          On (sends messages)
        </label>
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" isLoading={mutation.isPending}>
          {isEdit ? "Save channel" : "Add channel"}
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
