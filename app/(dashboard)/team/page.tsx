import { TeamSettings } from "~/components/teams/team-settings";

export const metadata = { title: "Team" };

export default function TeamPage() {
  return <TeamSettings />;
}
