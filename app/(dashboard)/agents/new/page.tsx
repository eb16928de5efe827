import { AgentForm } from "~/components/agents/agent-form";

export const metadata = { title: "New agent" };

export default function NewAgentPage() {
  return (
    <div className="mx-auto max-w-3xl">
      <h1 className="text-xl font-semibold">New agent</h1>
      <p className="mt-1 mb-8 text-sm text-zinc-500">
        Describe the goal, give it a budget, and choose which actions need a person&apos;s approval.
      </p>
      <AgentForm />
    </div>
  );
}
