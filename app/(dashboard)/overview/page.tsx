import { TeamOverview } from "~/components/fleet/team-overview";

export const metadata = { title: "Overview" };

export default function OverviewPage() {
  return <TeamOverview />;
}
