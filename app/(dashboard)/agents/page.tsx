import { AgentsList } from "~/components/agents/agents-list";

export const metadata = { title: "Agents" };

export default function AgentsPage() {
  return <AgentsList />;
}
