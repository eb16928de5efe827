import "server-only";
import { SIMULATOR_PROVIDER } from "../../shared/agent-input";
import type { ModelEndpoint } from "../agents/model";
import { providerCredentials, type ProviderRef } from "./providers";

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
  };
}
