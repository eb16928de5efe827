import { NotificationsPage } from "~/components/notifications/notifications-page";

export const metadata = { title: "Notifications" };

export default function TeamNotificationsPage() {
  return <NotificationsPage />;
}
