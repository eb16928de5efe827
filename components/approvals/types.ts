import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import type { OutcomeResolution } from "~/shared/tool-catalog";

type RouterOutputs = inferRouterOutputs<AppRouter>;

/** A waiting approval as a card shows it (the inbox's, or an approval link's page), with its team. */
export type PendingApproval = Omit<
  RouterOutputs["approval"]["listPending"][number],
  "status" | "answer" | "comment" | "decidedAt" | "decidedBy"
>;
export type RecentApproval = RouterOutputs["approval"]["listRecent"][number];
export type ApprovalKind = PendingApproval["kind"];
export type Decision = "approved" | "rejected";
/** A decision, or for a call whose outcome is unknown, how it is approved: called again or marked done. */
export type Choice = Decision | OutcomeResolution;

/** What a person has typed for one approval; kept by approval id so a refresh never loses it. */
export type Draft = { comment: string; answer: string };

/** The server's (or the form's) complaint about one approval; `gone` when it is no longer pending. */
export type ItemError = { message: string | null; answer: string | null; comment: string | null; gone: boolean };

export const EMPTY_DRAFT: Draft = { comment: "", answer: "" };
