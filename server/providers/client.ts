import "server-only";
import OpenAI from "openai";
import { fetchForSdk, type OutboundGuard } from "../security/outbound";

/**
 * The one way a request reaches a team's model provider: an `openai` SDK client whose every HTTP
 * attempt goes through the outbound guard (a refused address ends the call at once, `refusal()` says
 * why), with the provider's extra headers and timeout. The model call (server/loop/model.ts), memory
 * embeddings (server/memory/embedder.ts) and the connection test (server/providers/probe.ts) use it.
 */
export function providerClient(
  endpoint: { baseURL?: string; apiKey: string; headers?: Record<string, string>; timeoutMs?: number },
  {
    outbound,
    timeoutMs,
    maxRetries,
    onAttempt,
  }: { outbound: OutboundGuard; timeoutMs?: number; maxRetries: number; onAttempt?: () => void },
) {
  const guarded = fetchForSdk(outbound, onAttempt);
  const client = new OpenAI({
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey,
    timeout: timeoutMs ?? endpoint.timeoutMs ?? 60_000,
    maxRetries,
    fetch: guarded.fetch,
    defaultHeaders: endpoint.headers,
  });
  return { client, signal: guarded.signal, refusal: guarded.refusal };
}
