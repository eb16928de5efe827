import { AgentForm } from "~/components/agents/form/agent-form";
import { PageHeader } from "~/components/ui/page-header";

export const metadata = { title: "New agent" };

export default function NewAgentPage() {
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        title="New agent"
        description="Describe the goal, give it a budget, and choose which actions need a person's approval."
        className="mb-8"
      />
      <AgentForm />
    </div>
  );
}
