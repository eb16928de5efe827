import type { Metadata } from "next";
import { EditAgent } from "~/components/agents/edit-agent";
import { getAgentTitle } from "~/server/agents/agent-title";
import { openLinkedRow, requireSessionTeam } from "~/server/auth/linked-page";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const { activeTeamId } = await requireSessionTeam();
  const name = await getAgentTitle({ agentId: id, teamId: activeTeamId });
  return { title: name ? `Edit ${name}` : "Edit agent" };
}

export default async function Page({ params, searchParams }: Props) {
  const { id } = await params;
  await openLinkedRow({ kind: "agent", id, path: `/agents/${id}/edit`, searchParams: await searchParams });
  return <EditAgent agentId={id} />;
}
