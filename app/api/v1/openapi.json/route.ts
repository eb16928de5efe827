import { publicApiDocument } from "~/server/api/v1/openapi";

/** The public API's OpenAPI 3.1 document (no token needed: it describes, it gives nothing away). */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json(publicApiDocument());
}
