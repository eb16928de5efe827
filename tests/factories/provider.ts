import type { ProviderCompat } from "~/shared/provider-kinds";
import { db } from "~/server/db/client";

/**
 * A model provider row of `teamId` pointing at `baseUrl` (usually the fake OpenAI-compatible server,
 * tests/fixtures/fake-openai.ts), written directly: the provider API's own checks (private addresses,
 * admins only) have their tests in tests/integration/providers.test.ts.
 */
export function createTestProvider(
  teamId: string,
  { baseUrl, name = "fake", compat }: { baseUrl: string; name?: string; compat?: Partial<ProviderCompat> },
) {
  return db.modelProvider.create({ data: { teamId, name, baseUrl, ...(compat ? { compat } : {}) }, select: { id: true } });
}
