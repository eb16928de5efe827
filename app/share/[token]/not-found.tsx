import { SharedShell } from "~/components/share/shared-timeline";
import { INVALID_SHARE_LINK_MESSAGE } from "~/server/sharing/share-links";

export default function InvalidShareLink() {
  return (
    <SharedShell>
      <div
        className="space-y-2 rounded-xl bg-white p-6 text-center shadow-xs ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
        data-testid="share-invalid"
      >
        <h1 className="text-lg font-semibold">This link doesn&apos;t open anything</h1>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">{INVALID_SHARE_LINK_MESSAGE}</p>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">Ask the person who shared it for a new link.</p>
      </div>
    </SharedShell>
  );
}
