import type { InngestFunction } from "inngest";

/**
 * Every Inngest function the app serves at /api/inngest. Empty until the agent loop lands: the
 * route, the executor and the sync already work (tests/contract/ exercises them with real functions).
 */
export const functions: InngestFunction.Any[] = [];
