import "server-only";

/**
 * A cheap, deliberately generous token estimate (3 characters a token): what the loop plans a prompt
 * with, and what a call is charged when the server reports no usage. Budgets err towards stopping.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}
