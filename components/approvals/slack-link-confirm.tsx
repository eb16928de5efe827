"use client";

import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../trpc/react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";

/** Asks before linking (a GET never links): the Slack user who clicked becomes this person for approvals. */
export function SlackLinkConfirm({ token, userName }: { token: string; userName: string }) {
  const trpc = useTRPC();
  const link = useMutation(trpc.approvalLink.linkSlack.mutationOptions());
  return (
    <section
      aria-labelledby="slack-link-heading"
      className="mx-auto max-w-xl space-y-3 rounded-xl bg-white p-6 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
    >
      <h1 id="slack-link-heading" className="text-lg font-semibold">
        Link your Slack account
      </h1>
      {link.isSuccess ? (
        <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300" data-testid="slack-linked">
          Done: your Slack account ({link.data.slackUserId}) is now {userName} in {link.data.teamName}. Go back to Slack and click the
          button again; from now on your clicks decide as you.
        </p>
      ) : (
        <>
          <p className="text-sm text-zinc-600 dark:text-zinc-300">
            You clicked an approval button in Slack. Link that Slack account to you, {userName}, so that your clicks there approve or reject
            as you (with your role in the team). Only do this if you clicked it yourself.
          </p>
          {link.error ? <Alert variant="inline">{link.error.message}</Alert> : null}
          <Button type="button" isLoading={link.isPending} onClick={() => link.mutate({ token })}>
            Link my Slack account
          </Button>
        </>
      )}
    </section>
  );
}
