import { ActivityPage } from "~/components/fleet/activity-list";

export const metadata = { title: "Activity" };

export default function Activity() {
  return <ActivityPage />;
}
