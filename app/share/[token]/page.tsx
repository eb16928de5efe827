import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SharedShell, SharedTimelineView } from "~/components/share/shared-timeline";
import { AppError } from "~/server/errors";
import { getSharedTimeline } from "~/server/sharing/shared-view";

// Outside the (dashboard) group: no session is needed, the token is the credential.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Shared agent history",
  // The token is in the URL: keep it out of search engines and out of Referer headers sent onwards.
  robots: { index: false, follow: false },
  referrer: "no-referrer",
};

export default async function SharedAgentPage({
  params,
  searchParams,
}: {
  params: Promise<{ token: string }>;
  searchParams: Promise<{ before?: string | string[] }>;
}) {
  const { token } = await params;
  const { before } = await searchParams;
  const beforeCycle = typeof before === "string" && /^[1-9]\d{0,9}$/.test(before) ? Number(before) : undefined;
  let view;
  try {
    view = await getSharedTimeline({ token, beforeCycle });
  } catch (error) {
    // Malformed, unknown, revoked and expired links alike: a 404 with one message (not-found.tsx).
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return (
    <SharedShell>
      <SharedTimelineView view={view} token={token} beforeCycle={beforeCycle} />
    </SharedShell>
  );
}
