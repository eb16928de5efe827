import { clsx } from "clsx";
import { Badge, type BadgeTone } from "~/components/ui/badge";
import { CARD } from "~/components/ui/panel";

/**
 * The public API's reference, rendered from its OpenAPI document (server/api/v1/openapi.ts) on the
 * server: no script, works offline and in dark mode. Each operation with its parameters, body fields
 * and answers; the raw document is linked for generators and API clients.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema; description?: string };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
};
export type ApiDocument = {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHOD_TONES: Record<string, BadgeTone> = { get: "sky", post: "green", put: "amber", patch: "violet", delete: "red" };

function refName(ref: string) {
  return ref.split("/").at(-1) ?? ref;
}

/** A schema's type in a few words: "string (uuid)", "Agent", "array of Event", "one of a | b". */
function typeOf(schema: Schema | undefined): string {
  if (!schema) return "any";
  if (schema.$ref) return refName(schema.$ref);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" or ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  if (type === "array") return `array of ${typeOf(schema.items)}`;
  return schema.format ? `${type} (${schema.format})` : type;
}

function limitsOf(schema: Schema | undefined): string | null {
  if (!schema) return null;
  const parts = [];
  // Object and array defaults (an agent's tool list) are too long to read here; the settings answer shows them.
  if (schema.default !== undefined && (schema.default === null || typeof schema.default !== "object"))
    parts.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.minimum !== undefined && schema.minimum > -1e15) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined && schema.maximum < 1e15) parts.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} characters`);
  return parts.length > 0 ? parts.join(", ") : null;
}

/** Text with `code` spans, as the document's descriptions write them. */
function Prose({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <>
      {text.split("`").map((part, i) =>
        i % 2 === 1 ? (
          <code key={i} className="rounded bg-zinc-100 px-1 font-mono text-[0.85em] dark:bg-zinc-800">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

const notesOf = (schema: Schema | undefined) => [schema?.description, limitsOf(schema)].filter(Boolean).join(" · ");

function Fields({ rows, label }: { rows: { name: string; where?: string; required?: boolean; schema?: Schema }[]; label: string }) {
  if (rows.length === 0) return null;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="text-xs text-zinc-500 dark:text-zinc-400">
          <tr>
            <th className="py-1 pr-3 font-medium">{label}</th>
            <th className="py-1 pr-3 font-medium">Type</th>
            <th className="hidden py-1 font-medium sm:table-cell">Notes</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr key={`${row.where ?? ""}${row.name}`} className="align-top">
              <td className="py-1.5 pr-3 font-mono text-xs whitespace-nowrap">
                {row.name}
                {row.required ? <span className="text-red-700 dark:text-red-400"> *</span> : null}
                {row.where ? <span className="ml-1 text-zinc-500 dark:text-zinc-400">({row.where})</span> : null}
              </td>
              <td
                className={clsx(
                  "py-1.5 pr-3 font-mono text-xs text-zinc-700 dark:text-zinc-300",
                  typeOf(row.schema).length > 24 ? "min-w-40 break-words" : "whitespace-nowrap",
                )}
              >
                {typeOf(row.schema)}
                {/* On a phone the notes go under the type rather than into a third column off the screen. */}
                <span className="block font-sans whitespace-normal text-zinc-600 sm:hidden dark:text-zinc-400">
                  <Prose text={notesOf(row.schema)} />
                </span>
              </td>
              <td className="hidden min-w-40 py-1.5 text-xs text-zinc-600 sm:table-cell dark:text-zinc-400">
                <Prose text={notesOf(row.schema)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OperationCard({ method, path, operation }: { method: string; path: string; operation: Operation }) {
  const body = operation.requestBody?.content ?? {};
  const [bodyType, bodyContent] = Object.entries(body)[0] ?? [];
  const bodySchema = bodyContent?.schema;
  const bodyRows = Object.entries(bodySchema?.properties ?? {}).map(([name, schema]) => ({
    name,
    schema,
    required: bodySchema?.required?.includes(name),
  }));
  const parameters = (operation.parameters ?? []).map((p) => ({ name: p.name, where: p.in, required: p.required, schema: p.schema }));
  return (
    <article id={operation.operationId} className={clsx(CARD, "scroll-mt-4 space-y-3")}>
      <header className="space-y-1">
        <h3 className="flex flex-wrap items-center gap-2">
          <Badge tone={METHOD_TONES[method] ?? "neutral"} className="font-mono uppercase">
            {method}
          </Badge>
          <code className="text-sm font-semibold break-all">{path}</code>
        </h3>
        <p className="text-sm font-medium">{operation.summary}</p>
        {operation.description ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            <Prose text={operation.description} />
          </p>
        ) : null}
      </header>
      <Fields rows={parameters} label="Parameter" />
      {bodyRows.length > 0 ? <Fields rows={bodyRows} label="Body field" /> : null}
      {bodyType && bodyRows.length === 0 ? <p className="text-sm text-zinc-600 dark:text-zinc-400">Body: {bodyType}</p> : null}
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400" aria-label="Answers">
        {Object.entries(operation.responses ?? {}).map(([status, response]) => {
          const [type, content] = Object.entries(response.content ?? {})[0] ?? [];
          return (
            <li key={status} title={response.description}>
              <span className={clsx("font-mono font-semibold", Number(status) < 400 ? "text-emerald-700 dark:text-emerald-400" : "")}>
                {status}
              </span>{" "}
              {content?.schema ? typeOf(content.schema) : (type ?? response.description)}
            </li>
          );
        })}
      </ul>
    </article>
  );
}

export function ApiReference({ document }: { document: ApiDocument }) {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  const tags = [...new Set(operations.map((o) => o.operation.tags?.[0] ?? "Other"))];
  const base = document.servers?.[0]?.url ?? "/api/v1";
  const schemas = Object.entries(document.components?.schemas ?? {});
  return (
    <div className="mx-auto max-w-5xl space-y-8 px-4 py-8 sm:px-6">
      <header className="space-y-3">
        <h1 className="text-2xl font-semibold">{document.info.title}</h1>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          <Prose text={document.info.description} />
        </p>
        <pre className="overflow-x-auto rounded-lg bg-zinc-950 p-3 text-xs text-zinc-100 ring-1 ring-zinc-700">
          {`curl -H "Authorization: Bearer $LONGHAUL_TOKEN" ${base}/agents`}
        </pre>
        <p className="text-sm">
          Base URL <code className="font-mono">{base}</code> · Version {document.info.version} ·{" "}
          <a className="underline" href="/api/v1/openapi.json">
            OpenAPI 3.1 document
          </a>
        </p>
        <nav aria-label="API sections" className="flex flex-wrap gap-2 text-sm">
          {tags.map((tag) => (
            <a
              key={tag}
              href={`#${tag.toLowerCase().replaceAll(" ", "-")}`}
              className="rounded-md px-2 py-1 ring-1 ring-zinc-300 dark:ring-zinc-700"
            >
              {tag}
            </a>
          ))}
        </nav>
      </header>
      {tags.map((tag) => (
        <section key={tag} id={tag.toLowerCase().replaceAll(" ", "-")} className="space-y-3" aria-labelledby={`${tag}-title`}>
          <h2 id={`${tag}-title`} className="text-lg font-semibold">
            {tag}
          </h2>
          {operations
            .filter((o) => (o.operation.tags?.[0] ?? "Other") === tag)
            .map((o) => (
              <OperationCard key={`${o.method} ${o.path}`} {...o} />
            ))}
        </section>
      ))}
      <section className="space-y-3" aria-labelledby="schemas-title">
        <h2 id="schemas-title" className="text-lg font-semibold">
          Schemas
        </h2>
        {schemas.map(([name, schema]) => (
          <article key={name} id={`schema-${name}`} className={clsx(CARD, "space-y-2")}>
            <h3 className="font-mono text-sm font-semibold">{name}</h3>
            <Fields
              label="Field"
              rows={Object.entries(schema.properties ?? {}).map(([field, s]) => ({
                name: field,
                schema: s,
                required: schema.required?.includes(field),
              }))}
            />
          </article>
        ))}
      </section>
    </div>
  );
}
