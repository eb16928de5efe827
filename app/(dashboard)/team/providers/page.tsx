import { ProvidersPage } from "~/components/providers/providers-page";

export const metadata = { title: "Model providers" };

export default function TeamProvidersPage() {
  return <ProvidersPage />;
}
