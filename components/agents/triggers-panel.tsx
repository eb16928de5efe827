"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc/react";
import { PermissionGate } from "../teams/permission-gate";
import { usePermissions } from "../teams/use-permissions";
import { Button } from "../ui/button";
import { Alert, SuccessBox } from "../ui/alert";
import { CopyableValue } from "../ui/field";
import { formatAbsolute } from "../ui/format";
import { RelativeText } from "../ui/relative-time";
import { Panel } from "../ui/panel";
import { LoadError } from "../ui/query-section";
import { Skeleton } from "../ui/skeleton";

const REFRESH_MS = 10_000;

/** A shell example that signs a delivery the way the webhook checks it (HMAC-SHA256 of "<time>.<delivery id>.<body>", hex). */
function curlExample(url: string, secret: string) {
  return [
    `SECRET='${secret}'`,
    `BODY='{"event":"order.created","id":42}'`,
    `ID=$(uuidgen); TS=$(date +%s)`,
    `SIG=$(printf '%s.%s.%s' "$TS" "$ID" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')`,
    `curl -X POST '${url}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-Longhaul-Delivery: $ID" \\`,
    `  -H "X-Longhaul-Signature: t=$TS,sha256=$SIG" \\`,
    `  --data "$BODY"`,
  ].join("\n");
}

/**
 * An agent's triggers: its webhook (URL, secret created or rotated here and shown once, a signed curl
 * example, recent deliveries) and its schedule with the next time it fires. Members and up manage the
 * secret; viewers see the rest.
 */
export function TriggersPanel({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const info = useQuery(trpc.agent.webhook.queryOptions({ id: agentId }, { refetchInterval: REFRESH_MS }));
  const canManage = usePermissions().can("agent:control");
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState<"secret" | "url" | "curl" | "failed" | null>(null);
  const [isConfirming, setIsConfirming] = useState(false);

  const rotate = useMutation(
    trpc.agent.rotateWebhookSecret.mutationOptions({
      onSuccess: async (result) => {
        setSecret(result.secret);
        setIsConfirming(false);
        setCopied(null);
        await queryClient.invalidateQueries({ queryKey: trpc.agent.webhook.queryKey({ id: agentId }) });
      },
    }),
  );

  async function copy(text: string, what: "secret" | "url" | "curl") {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      setCopied("failed");
    }
  }

  if (info.isPending) return <Skeleton className="h-40 rounded-xl" label="Loading triggers" />;
  if (!info.data) return <LoadError what="The triggers" query={info} />;
  const { url, hasSecret, schedule, deliveries, maxBytes } = info.data;

  return (
    <div className="space-y-6" data-testid="triggers-panel">
      <Panel title="Webhook" className="space-y-3">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Other services can POST to this address (JSON or text, at most {Math.round(maxBytes / 1024)} KB). The agent sees the payload in
          its next cycle; a sleeping or idle agent is woken. Each request must be signed with the secret and carry a unique delivery id; a
          repeated id is ignored.
        </p>
        <div className="flex flex-col gap-2 sm:flex-row">
          <CopyableValue value={url} aria-label="Webhook URL" className="bg-zinc-50 py-2 dark:bg-zinc-950" data-testid="webhook-url" />
          <Button type="button" variant="secondary" onClick={() => copy(url, "url")}>
            {copied === "url" ? "Copied" : "Copy URL"}
          </Button>
        </div>

        {secret ? (
          <SuccessBox
            data-testid="webhook-secret"
            title={<>New secret. Copy it now: it is shown only once{hasSecret ? ", and the previous secret no longer works" : ""}.</>}
          >
            <div className="flex flex-col gap-2 sm:flex-row">
              <CopyableValue value={secret} aria-label="Webhook secret" className="bg-white py-2 dark:bg-zinc-900" />
              <div className="flex gap-2">
                <Button type="button" variant="secondary" onClick={() => copy(secret, "secret")}>
                  {copied === "secret" ? "Copied" : "Copy secret"}
                </Button>
                <Button type="button" variant="ghost" onClick={() => setSecret(null)}>
                  Done
                </Button>
              </div>
            </div>
            <p className="text-xs text-zinc-700 dark:text-zinc-300">Try it from a shell:</p>
            <pre className="overflow-x-auto rounded-md bg-zinc-900 p-3 text-xs text-zinc-100" data-testid="webhook-curl">
              {curlExample(url, secret)}
            </pre>
            <Button type="button" variant="secondary" onClick={() => copy(curlExample(url, secret), "curl")}>
              {copied === "curl" ? "Copied" : "Copy example"}
            </Button>
          </SuccessBox>
        ) : (
          <p className="text-sm" data-testid="webhook-secret-status">
            {hasSecret
              ? "A secret is set. It is not shown again; rotate it if it was lost or leaked."
              : "No secret yet: the webhook refuses every request until one is created."}
          </p>
        )}
        {copied === "failed" ? (
          <p className="text-xs text-zinc-700 dark:text-zinc-300" role="alert">
            The browser did not allow copying: select the text and copy it yourself.
          </p>
        ) : null}
        {rotate.error ? <Alert variant="inline">{rotate.error.message}</Alert> : null}

        {canManage ? (
          isConfirming ? (
            <div className="flex flex-wrap items-center gap-2">
              <span className="text-sm">Senders using the current secret will be refused from now on.</span>
              <Button type="button" variant="danger" isLoading={rotate.isPending} onClick={() => rotate.mutate({ id: agentId })}>
                Rotate secret
              </Button>
              <Button type="button" variant="ghost" onClick={() => setIsConfirming(false)}>
                Cancel
              </Button>
            </div>
          ) : (
            <Button
              type="button"
              variant={hasSecret ? "secondary" : "primary"}
              isLoading={rotate.isPending}
              onClick={() => (hasSecret ? setIsConfirming(true) : rotate.mutate({ id: agentId }))}
            >
              {hasSecret ? "Rotate secret…" : "Create secret"}
            </Button>
          )
        ) : (
          <PermissionGate
            permission="agent:control"
            action="change an agent's webhook secret"
            disabledLabel={hasSecret ? "Rotate secret…" : "Create secret"}
            variant="secondary"
          >
            {null}
          </PermissionGate>
        )}
      </Panel>

      <Panel title="Schedule" className="space-y-2">
        {schedule ? (
          <p className="text-sm" data-testid="schedule-summary">
            <code className="font-mono">{schedule.cron}</code> in {schedule.timezone}.{" "}
            {schedule.nextRunAt ? (
              <>
                Next: <time dateTime={new Date(schedule.nextRunAt).toISOString()}>{formatAbsolute(schedule.nextRunAt)}</time> (
                <RelativeText date={new Date(schedule.nextRunAt)} />
                ).
              </>
            ) : (
              "It cannot be read; edit the agent to fix it."
            )}{" "}
            An idle or sleeping agent is woken then; a paused or stopped one is not.
          </p>
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            No schedule. Set one in the agent&apos;s settings (cron, with a time zone).
          </p>
        )}
      </Panel>

      <Panel title="Recent deliveries" className="space-y-2">
        {deliveries.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing delivered yet.</p>
        ) : (
          <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="trigger-deliveries">
            {deliveries.map((d) => (
              <li key={d.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2">
                <span className="min-w-0">
                  <span className="font-medium">{d.source === "webhook" ? "Webhook" : "Schedule"}</span>{" "}
                  <span className="font-mono text-xs break-all text-zinc-600 dark:text-zinc-400">{d.deliveryId}</span>
                  {d.bytes !== null ? <span className="text-xs text-zinc-500"> · {d.bytes.toLocaleString()} bytes</span> : null}
                  {d.skipped ? (
                    <span className="text-xs text-amber-700 dark:text-amber-400"> · skipped (agent {d.skipped.replace("_", " ")})</span>
                  ) : null}
                </span>
                <time
                  className="text-xs text-zinc-500"
                  dateTime={new Date(d.receivedAt).toISOString()}
                  title={formatAbsolute(d.receivedAt)}
                >
                  <RelativeText date={new Date(d.receivedAt)} />
                </time>
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
