import "server-only";
import { SIMULATOR_PROVIDER } from "../../shared/simulator-provider";
import { providerCredentials, type ProviderRef } from "./providers";

/** Where an agent's model calls go, as the loop's model client (server/loop/model.ts) takes it. */
export type ModelEndpoint =
  | { kind: "simulator" }
  | {
      kind: "openai";
      baseURL?: string;
      apiKey: string;
      /** The provider has no key and the instance key may not go to its base URL (server/providers/providers.ts). */
      isInstanceKeyWithheld?: boolean;
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
  };
}
