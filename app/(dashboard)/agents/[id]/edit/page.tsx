import { EditAgent } from "~/components/agents/edit-agent";

export const metadata = { title: "Edit agent" };

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <EditAgent agentId={id} />;
}
