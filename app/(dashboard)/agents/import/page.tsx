import { ImportAgent } from "~/components/agents/import-agent";

export const metadata = { title: "Import an agent" };

export default function ImportAgentPage() {
  return <ImportAgent />;
}
