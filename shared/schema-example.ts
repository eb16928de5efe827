/**
 * A value that fits a JSON schema, made from the schema alone (its default, const, first enum value or
 * example, else a plain value of its type): what the simulator sends an MCP tool so a person without a
 * model key can watch a call go through. Only the required properties of objects are filled in. Pure and
 * bounded (depth 6), safe on any schema a server sends.
 */
export function argumentsFromSchema(schema: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 6) return {};
  const s = schema as Record<string, unknown>;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return argumentsFromSchema(variants[0], depth + 1);
  const type: unknown = Array.isArray(s.type) ? (s.type as unknown[]).find((t) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return exampleString(s);
    case "integer":
    case "number": {
      const min = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : 1;
      const max = typeof s.maximum === "number" ? s.maximum : Number.POSITIVE_INFINITY;
      return Math.min(type === "integer" ? Math.ceil(min) : min, max);
    }
    case "boolean":
      return false;
    case "array": {
      const minItems = typeof s.minItems === "number" ? Math.min(s.minItems, 3) : 0;
      return Array.from({ length: minItems }, () => argumentsFromSchema(s.items, depth + 1));
    }
    case "null":
      return null;
    default: {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : [];
      return Object.fromEntries(required.slice(0, 50).map((key) => [key, argumentsFromSchema(properties[key], depth + 1)]));
    }
  }
}

function exampleString(s: Record<string, unknown>): string {
  if (s.format === "uri" || s.format === "url") return "https://example.com/";
  if (s.format === "email") return "someone@example.com";
  if (s.format === "date-time") return "2026-01-01T00:00:00Z";
  if (s.format === "date") return "2026-01-01";
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const text = "Hello from the Longhaul simulator";
  return text.length >= min
    ? text.slice(0, typeof s.maxLength === "number" ? Math.max(min, s.maxLength) : text.length)
    : text.padEnd(min, "!");
}
