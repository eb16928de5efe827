import "server-only";
import { OPENAI_COMPAT, type ProviderCompat } from "../../shared/provider-kinds";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";
import { providerCredentials, type ProviderRef } from "./credentials";

/** Where an agent's model calls go, as the loop's model client (server/loop/model.ts) takes it. */
export type ModelEndpoint =
  | { kind: "simulator" }
  | {
      kind: "openai";
      baseURL?: string;
      apiKey: string;
      /** The provider has no key and the instance key may not go to its base URL (server/providers/credentials.ts). */
      isInstanceKeyWithheld?: boolean;
      /** How the endpoint differs from OpenAI's API (its last connection test); OpenAI's behaviour when absent. */
      compat?: ProviderCompat;
      /** Extra headers sent with every request (e.g. OpenRouter's attribution headers). */
      headers?: Record<string, string>;
      timeoutMs?: number;
    };

/** Where an agent's model calls go: the simulator, or its team's provider with the decrypted key. */
export async function resolveEndpoint({ teamId, provider, row }: ProviderRef): Promise<ModelEndpoint> {
  if (provider === SIMULATOR_PROVIDER) return { kind: "simulator" };
  const credentials = await providerCredentials({ teamId, providerId: provider, row });
  if (!credentials) throw new Error("The agent's model provider no longer exists.");
  // Local servers (Ollama, vLLM) take any key; the SDK insists on one.
  return {
    kind: "openai",
    baseURL: credentials.baseURL,
    apiKey: credentials.apiKey ?? "no-key",
    isInstanceKeyWithheld: credentials.isInstanceKeyWithheld,
    compat: credentials.compat ?? OPENAI_COMPAT,
    headers: credentials.headers,
    timeoutMs: credentials.timeoutMs,
  };
}
