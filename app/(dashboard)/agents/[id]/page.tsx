import type { Metadata } from "next";
import { AgentPage } from "~/components/agents/agent-page";
import { getAgentTitle } from "~/server/agents/agent-title";
import { openLinkedRow, requireSessionTeam } from "~/server/auth/linked-page";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const { activeTeamId } = await requireSessionTeam();
  return { title: (await getAgentTitle({ agentId: id, teamId: activeTeamId })) ?? "Agent" };
}

export default async function Page({ params, searchParams }: Props) {
  const { id } = await params;
  await openLinkedRow({ kind: "agent", id, path: `/agents/${id}`, searchParams: await searchParams });
  return <AgentPage agentId={id} />;
}
