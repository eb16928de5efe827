/** Field messages from a tRPC error (zod or AppError), keyed by field name. */
export function readFieldErrors(error: unknown): Record<string, string[] | undefined> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[]> | null } } | null)?.data;
  return data?.fieldErrors ?? {};
}
