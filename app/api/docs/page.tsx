import type { Metadata } from "next";
import { ApiReference, type ApiDocument } from "~/components/api-docs/api-reference";
import { publicApiDocument } from "~/server/api/v1/openapi";

// Public, like the document it renders: it describes the API and gives nothing away.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "API reference" };

export default function ApiDocsPage() {
  return (
    <main>
      <ApiReference document={publicApiDocument() as ApiDocument} />
    </main>
  );
}
