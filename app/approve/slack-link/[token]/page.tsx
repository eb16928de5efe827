import { SlackLinkConfirm } from "~/components/approvals/slack-link-confirm";
import { AppShell } from "~/components/layout/app-shell";
import { requireSessionFor } from "~/server/auth/link-session";

export const metadata = { title: "Link your Slack account" };
export const dynamic = "force-dynamic";

/** The one-time link a Slack user got on their first click of an approval button: ties them to this person. */
export default async function SlackLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const session = await requireSessionFor(`/approve/slack-link/${encodeURIComponent(token)}`);
  return (
    <AppShell userName={session.user.name} userEmail={session.user.email}>
      <SlackLinkConfirm token={token} userName={session.user.name} />
    </AppShell>
  );
}
