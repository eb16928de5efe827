import { evaluate } from "@marcbachmann/cel-js";

/**
 * CEL expressions from trigger `expression`, waitForEvent `if`, cancelOn `if`, concurrency keys and
 * idempotency keys. As in Inngest, an expression that cannot be evaluated (e.g. a missing key) does
 * not match rather than failing the run.
 */
export function matches(expression: string | null | undefined, context: Record<string, unknown>): boolean {
  if (!expression) return true;
  try {
    return evaluate(expression, context) === true;
  } catch {
    return false;
  }
}

/** Evaluates a key expression (concurrency, idempotency) to a string, or null when it cannot. */
export function evaluateKey(expression: string, context: Record<string, unknown>): string | null {
  try {
    const value: unknown = evaluate(expression, context);
    if (value === null || value === undefined) return null;
    return typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return null;
  }
}
