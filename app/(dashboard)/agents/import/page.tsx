import { ImportAgent } from "~/components/agents/import-agent";
import { importLimits } from "~/server/transfer/import";

export const metadata = { title: "Import an agent" };

export default function ImportAgentPage() {
  return <ImportAgent maxMegabytes={importLimits().maxMegabytes} />;
}
