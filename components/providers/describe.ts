import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";
import { formatRelative } from "../ui/format";
import { OPENAI_COMPAT, PROVIDER_KINDS, type ProviderCompat, type ProviderKind } from "~/shared/provider-kinds";

/** A provider as provider.list returns it: no key, no header values. */
export type Provider = inferRouterOutputs<AppRouter>["provider"]["list"][number];
export type ProviderTest = NonNullable<Provider["lastTest"]>;

export function kindOf(id: string): ProviderKind {
  return PROVIDER_KINDS.find((kind) => kind.id === id) ?? PROVIDER_KINDS[PROVIDER_KINDS.length - 1]!;
}

/** "set, ends in W1x9" or "no key": the key itself is never shown again. */
export function keyState(provider: Pick<Provider, "hasKey" | "apiKeyLast4">): string {
  return provider.hasKey ? `set, ends in ${provider.apiKeyLast4 ?? "…"}` : "no key";
}

/** How the endpoint differs from OpenAI's chat completions, in a few words each. */
export function compatWords(compat: ProviderCompat): string[] {
  return [
    compat.outputCap === "max_completion_tokens"
      ? "uses max_completion_tokens"
      : compat.outputCap === "max_tokens"
        ? "uses max_tokens"
        : "ignores output caps",
    compat.tools === "native" ? "native tool calls" : "tools in the prompt",
    compat.usage === "reported" ? "usage reported" : "usage counted",
    compat.streaming === "required" ? "streams" : "no streaming needed",
  ];
}

/**
 * The compatibility as the list shows it. The model client follows the kind's preset (OpenAI's, or what
 * the kind's server is known to do) until a test gets a chat call through; a later failing test keeps
 * what an earlier one found.
 */
export function compatSummary(provider: Pick<Provider, "compat" | "lastTest">): string {
  const chatWorked = provider.lastTest?.checks.some((check) => check.name === "chat" && check.ok) ?? false;
  const differs = JSON.stringify(provider.compat) !== JSON.stringify(OPENAI_COMPAT);
  if (chatWorked || (differs && provider.lastTest)) return compatWords(provider.compat).join(", ");
  const assumed = differs ? `${compatWords(provider.compat).join(", ")}: assumed for its kind` : "OpenAI's assumed";
  return provider.lastTest ? `not known: no chat call got through (${assumed})` : `not tested yet (${assumed})`;
}

/** "just now", "5 minutes ago": a test the server timed a moment after this page's clock last moved is "just now". */
export function testedWhen(testedAt: Date, now: number): string {
  const age = Math.max(now, Date.now()) - testedAt.getTime();
  return age < 60_000 ? "just now" : formatRelative(testedAt, Math.max(now, testedAt.getTime()));
}

/** The base URL as the list shows it ("" is OpenAI's own). */
export function shownBaseUrl(baseUrl: string | null): string {
  return baseUrl || "api.openai.com (OpenAI's default)";
}

/** A price as typed: "1,000", "$2.50" and " 0.02 " are numbers; nothing typed is none (the schema then says so). */
export function readPrice(text: string): number {
  const cleaned = text.replace(/[\s,$]/g, "");
  return cleaned === "" ? Number.NaN : Number(cleaned);
}
