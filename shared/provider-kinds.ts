import { z } from "zod";
import { extraHeaderSchema } from "./http-headers";

/**
 * What kinds of OpenAI-compatible endpoint a team can add, and what Longhaul knows of how each one
 * behaves (its compatibility). Plain data and schemas, safe for the browser: the providers page fills
 * its form from the presets; the server stores a provider's kind and the compatibility its connection
 * test found (server/providers/probe.ts), and the model client (server/loop/model.ts) follows it.
 */

/** How an endpoint differs from OpenAI's chat completions, as found by a connection test. */
export const providerCompatSchema = z.object({
  /** Which request field caps the reply's length: OpenAI's current one, the older one, or none that the server honours. */
  outputCap: z.enum(["max_completion_tokens", "max_tokens", "none"]).default("max_completion_tokens"),
  /** Tool calls as OpenAI's `tools` field, or described in the prompt and read back from the reply's text. */
  tools: z.enum(["native", "text"]).default("native"),
  /** Whether replies say how many tokens they used; "counted": Longhaul estimates them and says so. */
  usage: z.enum(["reported", "counted"]).default("reported"),
  /** Whether the server answers only streamed requests. */
  streaming: z.enum(["optional", "required"]).default("optional"),
});
export type ProviderCompat = z.output<typeof providerCompatSchema>;
export const OPENAI_COMPAT: ProviderCompat = providerCompatSchema.parse({});

/**
 * When a server honours no output cap, a call's budget reservation assumes the reply may be this long
 * (instead of the agent's max output tokens, which the server would not keep to).
 */
export const UNCAPPED_OUTPUT_TOKENS = 16_384;

export type ProviderKind = {
  id: string;
  label: string;
  /** The base URL to prefill ("" for OpenAI's own, which the SDK knows). */
  baseUrl: string;
  /** Whether the endpoint wants an API key. */
  needsKey: boolean;
  /** Headers the endpoint documents as optional (e.g. OpenRouter's attribution headers), to prefill. */
  headerHints?: Record<string, string>;
  /** A line for the form. */
  hint: string;
  /**
   * How the kind's server is documented to differ from OpenAI's, assumed until Test connection finds
   * what it does (unset: OpenAI's). Only what is safe to assume: the cap field such servers honour.
   */
  compat?: Partial<ProviderCompat>;
};

/** Servers that honour only the older `max_tokens` (and ignore `max_completion_tokens`, so a reply would run past the reserved cap). */
const MAX_TOKENS_CAP = { outputCap: "max_tokens" } as const satisfies Partial<ProviderCompat>;

export const PROVIDER_KINDS = [
  { id: "openai", label: "OpenAI", baseUrl: "", needsKey: true, hint: "api.openai.com; needs an API key." },
  {
    id: "azure-openai",
    label: "Azure OpenAI",
    baseUrl: "https://YOUR-RESOURCE.openai.azure.com/openai/v1",
    needsKey: true,
    hint: "Your resource's /openai/v1 endpoint; the model is your deployment's name.",
  },
  {
    id: "openrouter",
    label: "OpenRouter",
    baseUrl: "https://openrouter.ai/api/v1",
    needsKey: true,
    headerHints: { "HTTP-Referer": "https://your-longhaul.example", "X-Title": "Longhaul" },
    hint: "Model names look like openai/gpt-4o-mini.",
  },
  { id: "groq", label: "Groq", baseUrl: "https://api.groq.com/openai/v1", needsKey: true, hint: "Needs an API key." },
  {
    id: "together",
    label: "Together",
    baseUrl: "https://api.together.xyz/v1",
    needsKey: true,
    hint: "Needs an API key.",
    compat: MAX_TOKENS_CAP,
  },
  {
    id: "mistral",
    label: "Mistral",
    baseUrl: "https://api.mistral.ai/v1",
    needsKey: true,
    hint: "Needs an API key.",
    compat: MAX_TOKENS_CAP,
  },
  {
    id: "deepseek",
    label: "DeepSeek",
    baseUrl: "https://api.deepseek.com/v1",
    needsKey: true,
    hint: "Needs an API key.",
    compat: MAX_TOKENS_CAP,
  },
  {
    id: "ollama",
    label: "Ollama",
    baseUrl: "http://localhost:11434/v1",
    needsKey: false,
    hint: "On this machine or your network: an operator must allow its address (LONGHAUL_PRIVATE_MODEL_HOSTS).",
    compat: MAX_TOKENS_CAP,
  },
  {
    id: "vllm",
    label: "vLLM",
    baseUrl: "http://localhost:8000/v1",
    needsKey: false,
    hint: "vLLM's OpenAI-compatible server; private addresses need LONGHAUL_PRIVATE_MODEL_HOSTS.",
  },
  {
    id: "lm-studio",
    label: "LM Studio",
    baseUrl: "http://localhost:1234/v1",
    needsKey: false,
    hint: "LM Studio's local server; private addresses need LONGHAUL_PRIVATE_MODEL_HOSTS.",
    compat: MAX_TOKENS_CAP,
  },
  {
    id: "llama-cpp",
    label: "llama.cpp server",
    baseUrl: "http://localhost:8080/v1",
    needsKey: false,
    hint: "llama-server; tool calls need --jinja. Private addresses need LONGHAUL_PRIVATE_MODEL_HOSTS.",
    compat: MAX_TOKENS_CAP,
  },
  { id: "other", label: "Other OpenAI-compatible", baseUrl: "", needsKey: false, hint: "Any server that speaks /v1/chat/completions." },
] as const satisfies readonly ProviderKind[];

export type ProviderKindId = (typeof PROVIDER_KINDS)[number]["id"];

/** The compatibility a provider of this kind starts with, until a test finds its own (an unknown kind: OpenAI's). */
export function presetCompat(kindId: string): ProviderCompat {
  const kind: ProviderKind | undefined = PROVIDER_KINDS.find((k) => k.id === kindId);
  return providerCompatSchema.parse({ ...kind?.compat });
}
export const PROVIDER_KIND_IDS = PROVIDER_KINDS.map((kind) => kind.id) as [ProviderKindId, ...ProviderKindId[]];
export const providerKindSchema = z.enum(PROVIDER_KIND_IDS, { message: "Choose the kind of endpoint." });

const FORBIDDEN_HEADERS = new Set(["host", "content-length", "content-type", "transfer-encoding", "connection", "authorization"]);

/** An extra request header; the value is stored encrypted and never shown again. */
export const providerHeaderSchema = extraHeaderSchema({
  setByClient: FORBIDDEN_HEADERS,
  setByClientMessage: "Longhaul sets this header itself (the API key goes in the key field).",
  valueMax: 1000,
});

/** The embedding model a team's memories use (docs/decisions/033), e.g. text-embedding-3-small. */
const embeddingModelSchema = z
  .string()
  .trim()
  .min(1, { message: "Name the embedding model, e.g. text-embedding-3-small." })
  .max(100, { message: "Keep the model name under 100 characters." })
  .refine((value) => /^[\w.:/-]+$/.test(value), { message: "Model names use letters, digits and . : / - _ only." });

const timeoutSecondsSchema = z
  .number({ message: "Enter the timeout in seconds." })
  .int({ message: "Enter whole seconds." })
  .min(1, { message: "At least 1 second." })
  .max(600, { message: "At most 600 seconds (10 minutes)." });

const providerFields = {
  name: z.string().trim().min(1, { message: "Give the provider a name." }).max(60, { message: "Keep the name under 60 characters." }),
  kind: providerKindSchema,
  baseUrl: z
    .string()
    .trim()
    .max(500)
    .refine((value) => value === "" || /^https?:\/\/[^\s]+$/.test(value), {
      message: "Enter an http(s) URL like http://localhost:11434/v1, or leave it empty for OpenAI.",
    }),
  /** Replaces every extra header when given; omitted on an update keeps them. */
  headers: z.array(providerHeaderSchema).max(10, { message: "At most 10 extra headers." }),
  timeoutSeconds: timeoutSecondsSchema,
};

/** The providers form, in the browser and on the server (tRPC, the public API). */
export const providerInputSchema = z.object({
  name: providerFields.name,
  kind: providerFields.kind.default("other"),
  baseUrl: providerFields.baseUrl.optional(),
  apiKey: z.string().trim().max(500, { message: "That key is too long." }).optional(),
  headers: providerFields.headers.optional(),
  timeoutSeconds: providerFields.timeoutSeconds.default(60),
});
export type ProviderInput = z.input<typeof providerInputSchema>;

/** An update: any of the fields but the key (rotated on its own); what is left out stays as it is. */
export const providerUpdateSchema = z.object({
  name: providerFields.name.optional(),
  kind: providerFields.kind.optional(),
  baseUrl: providerFields.baseUrl.optional(),
  headers: providerFields.headers.optional(),
  timeoutSeconds: providerFields.timeoutSeconds.optional(),
});
export type ProviderUpdate = z.input<typeof providerUpdateSchema>;
export { embeddingModelSchema };

const perMillionSchema = z
  .number({ message: "Enter a price in USD per million tokens." })
  .min(0, { message: "A price cannot be negative." })
  .max(10_000, { message: "Keep prices under $10,000 per million tokens." });

/** A team's price for one model of a provider: USD per million tokens; both zero marks the model free, on purpose. */
export const modelPriceInputSchema = z.object({
  model: z
    .string()
    .trim()
    .min(1, { message: "Name the model." })
    .max(100, { message: "Keep the model name under 100 characters." })
    .regex(/^[\w.:/@-]+$/, { message: "Model names use letters, digits and . : / @ - _ only." }),
  inputPerMillion: perMillionSchema,
  outputPerMillion: perMillionSchema,
});
export type ModelPriceInput = z.input<typeof modelPriceInputSchema>;

/** The advice that ends the refusal to start an agent whose model is priced nowhere; the agent page links it to the providers page. */
export const MISSING_PRICE_ADVICE = "set its price per million tokens on the providers page (or mark it free)";
export const isMissingPriceRefusal = (message: string) => message.includes(MISSING_PRICE_ADVICE);

/**
 * Who writes the team's rolling summaries and consolidated memories (docs/decisions/032): one of its
 * providers and a model (both set), or each agent's own model (`providerId` null).
 */
export const summarizerInputSchema = z
  .object({
    providerId: z.uuid({ message: "Choose one of the team's providers." }).nullable(),
    model: modelPriceInputSchema.shape.model.optional(),
  })
  .refine((input) => input.providerId === null || (input.model ?? "") !== "", {
    message: "Name the model that writes summaries.",
    path: ["model"],
  });
export type SummarizerInput = z.input<typeof summarizerInputSchema>;
