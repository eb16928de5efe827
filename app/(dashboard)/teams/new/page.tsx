import { CreateTeamForm } from "~/components/teams/create-team-form";
import { PageHeader } from "~/components/ui/page-header";

export const metadata = { title: "Create a team" };

export default function NewTeamPage() {
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Create a team" description="Teams share agents, approvals and budgets. You will be its owner." className="mb-6" />
      <CreateTeamForm />
    </div>
  );
}
