import { SecretsPage } from "~/components/secrets/secrets-page";

export const metadata = { title: "Secrets" };

export default function TeamSecretsPage() {
  return <SecretsPage />;
}
