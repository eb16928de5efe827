import { CreateTeamForm } from "~/components/teams/create-team-form";

export const metadata = { title: "Create a team" };

export default function NewTeamPage() {
  return (
    <div className="mx-auto max-w-md">
      <h1 className="text-xl font-semibold">Create a team</h1>
      <p className="mt-1 mb-6 text-sm text-zinc-500">Teams share agents, approvals and budgets. You will be its owner.</p>
      <CreateTeamForm />
    </div>
  );
}
