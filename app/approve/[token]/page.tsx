import { ApproveFromLink, type LinkIntent } from "~/components/approvals/approve-from-link";
import { AppShell } from "~/components/layout/app-shell";
import { requireSessionFor } from "~/server/auth/link-session";

export const metadata = { title: "Approval" };
export const dynamic = "force-dynamic";

const INTENTS = ["approve", "reject", "answer"] as const;

/**
 * An approval link from a message (docs/decisions/037). Signed out: sign in first and come back here.
 * Opening it (a GET, with or without `?do=`) shows the approval; only a click decides.
 */
export default async function ApproveLinkPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<{ do?: string | string[] }>;
}) {
  const { token } = await params;
  const requested = (await searchParams).do;
  const intent: LinkIntent = INTENTS.find((i) => i === requested) ?? null;
  const path = `/approve/${encodeURIComponent(token)}${intent ? `?do=${intent}` : ""}`;
  const session = await requireSessionFor(path);
  return (
    <AppShell userName={session.user.name} userEmail={session.user.email}>
      <ApproveFromLink token={token} intent={intent} />
    </AppShell>
  );
}
