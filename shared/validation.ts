import { z } from "zod";

/**
 * Zod issues keyed for forms, the same in the browser (instant messages) and in tRPC's error
 * formatter: by top-level field ("budgetUsd", "tools") as z.flattenError does, and for nested
 * fields also by their dotted path ("memory.weights.recency"), so the message lands next to the
 * exact input. Plain zod: safe for client bundles.
 */
export function zodFieldErrors(error: z.ZodError): { fieldErrors: Record<string, string[]>; formErrors: string[] } {
  const flat = z.flattenError(error);
  const fieldErrors: Record<string, string[]> = { ...(flat.fieldErrors as Record<string, string[]>) };
  for (const issue of error.issues) {
    if (issue.path.length < 2) continue;
    const key = issue.path.map(String).join(".");
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { fieldErrors, formErrors: flat.formErrors };
}
