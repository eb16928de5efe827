"use client";

import { useQuery } from "@tanstack/react-query";
import { isMcpToolName, slugOfMcpToolName } from "~/shared/mcp-servers";
import { useTRPC } from "../trpc/react";
import { Button } from "../ui/button";
import type { Choice, PendingApproval } from "./types";

/** The three ways to settle a call whose outcome is unknown (approval kind "outcome"), each with what it tells the agent. */
const CHOICES = [
  {
    choice: "retry",
    label: "Retry",
    variant: "primary",
    hint: "Calls the tool again: right if it did not happen, or if doing it twice is harmless.",
  },
  {
    choice: "done",
    label: "Mark done",
    variant: "secondary",
    hint: "It happened (you checked): the agent is told it was done, and it is not called again.",
  },
  {
    choice: "rejected",
    label: "Skip",
    variant: "secondary",
    hint: "It did not happen and should not be retried: the agent is told it was not done.",
  },
] as const;

/** DOM id of a card's Retry button: the inbox's `a` key moves there (the choice is the person's, not the key's). */
export const retryButtonId = (approvalId: string) => `approval-${approvalId}-retry`;

/** The server an MCP tool's exposed name belongs to, by its slug, named from the team's list (the slug until it loads). */
export function useMcpServerName(toolName: string | null): string | null {
  const trpc = useTRPC();
  const isMcp = toolName !== null && isMcpToolName(toolName);
  const servers = useQuery(trpc.mcp.agentTools.queryOptions(undefined, { enabled: isMcp, staleTime: 60_000 }));
  if (!isMcp) return null;
  const slug = slugOfMcpToolName(toolName);
  return servers.data?.find((s) => s.slug === slug)?.serverName ?? slug;
}

export function OutcomeChoices({
  item,
  subject,
  pending,
  isDisabled,
  onChoose,
}: {
  item: PendingApproval;
  /** "mcp_files_write for Researcher", for screen readers. */
  subject: string;
  pending: Choice | null;
  isDisabled: boolean;
  onChoose: (choice: Choice) => void;
}) {
  return (
    <ul className="grid gap-3 sm:grid-cols-3" aria-label="How to settle this call" data-testid="outcome-choices">
      {CHOICES.map(({ choice, label, variant, hint }) => {
        const hintId = `approval-${item.id}-${choice}-hint`;
        return (
          <li key={choice} className="flex flex-col items-start gap-1">
            <Button
              id={choice === "retry" ? retryButtonId(item.id) : undefined}
              type="button"
              variant={variant}
              className="disabled:opacity-50"
              disabled={pending !== null || isDisabled}
              isLoading={pending === choice}
              aria-label={`${label}: ${subject}`}
              aria-describedby={hintId}
              onClick={() => onChoose(choice)}
            >
              {label}
            </Button>
            <p id={hintId} className="text-xs text-zinc-500 dark:text-zinc-400">
              {hint}
            </p>
          </li>
        );
      })}
    </ul>
  );
}
