import { ApiTokensPage } from "~/components/api-tokens/api-tokens-page";

export const metadata = { title: "API tokens" };

export default function TeamTokensPage() {
  return <ApiTokensPage />;
}
