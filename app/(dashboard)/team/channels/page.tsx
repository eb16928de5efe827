import { ChannelsPage } from "~/components/channels/channels-page";

export const metadata = { title: "Channels" };

export default function TeamChannelsPage() {
  return <ChannelsPage />;
}
