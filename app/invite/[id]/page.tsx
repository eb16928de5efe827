import { AuthShell } from "~/components/auth/auth-shell";
import { InviteAcceptance } from "~/components/teams/invite-acceptance";

export const metadata = { title: "Invitation" };

// Open to signed-out visitors (proxy.ts): the page offers sign-in and sign-up that come back here.
export default async function InvitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <AuthShell>
      <InviteAcceptance invitationId={id} />
    </AuthShell>
  );
}
