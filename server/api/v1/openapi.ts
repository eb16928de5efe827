import "server-only";
import { generateOpenApiDocument } from "trpc-to-openapi";
import { env } from "../../env";
import { API_BASE_PATH } from "./handler";
import { publicApiRouter } from "./router";

export type OpenApiDocument = ReturnType<typeof generateOpenApiDocument>;

type SchemaObject = NonNullable<NonNullable<OpenApiDocument["components"]>["schemas"]>[string];

const errorBody: SchemaObject = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        fieldErrors: { type: ["object", "null"], additionalProperties: { type: "array", items: { type: "string" } } },
      },
    },
  },
};

const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), { description: `Error ${code}` }]));

/**
 * The public API's OpenAPI 3.1 document: generated from the public router's routes and schemas, plus
 * the two routes that are not JSON (export and import stream JSON Lines), and one error schema. The
 * server URL is the instance's own (APP_URL), never the request's.
 */
export function publicApiDocument(): OpenApiDocument {
  const document = generateOpenApiDocument(publicApiRouter, {
    title: "Longhaul API",
    version: "1.0.0",
    description:
      "Everything a person does in the Longhaul dashboard, for scripts. Authenticate with a team API token (Team settings → API tokens): `Authorization: Bearer lh_…`. Errors answer `{ error: { code, message, fieldErrors } }`.",
    baseUrl: new URL(API_BASE_PATH, env.APP_URL).toString(),
  });
  const security = [{ Authorization: [] }];
  const paths: NonNullable<OpenApiDocument["paths"]> = {
    ...document.paths,
    "/agents/{id}/export": {
      get: {
        operationId: "agents-export",
        summary: "Export an agent's history",
        description: "The whole history as JSON Lines (one record a line), for `POST /agents/import` here or elsewhere.",
        tags: ["Agents"],
        security,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        responses: {
          "200": { description: "The export", content: { "application/x-ndjson": { schema: { type: "string" } } } },
          ...errors(401, 403, 404, 429),
        },
      },
    },
    "/agents/import": {
      post: {
        operationId: "agents-import",
        summary: "Import an exported agent",
        description: "The body is an export's JSON Lines; the agent arrives as a read-only archive.",
        tags: ["Agents"],
        security,
        requestBody: { required: true, content: { "application/x-ndjson": { schema: { type: "string" } } } },
        responses: {
          "201": {
            description: "Imported",
            content: {
              "application/json": { schema: { type: "object", properties: { agent: { type: "object" }, counts: { type: "object" } } } },
            },
          },
          ...errors(401, 403, 413, 422, 429),
        },
      },
    },
  };
  // Every refusal has the one error shape the handler answers with (server/api/v1/handler.ts).
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations as Record<string, { responses?: Record<string, { content?: unknown }> }>)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) >= 400) response.content = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
      }
    }
  }
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith("error.")));
  return { ...document, paths, components: { ...document.components, schemas: { ...schemas, Error: errorBody } } };
}
