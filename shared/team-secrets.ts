import { z } from "zod";

/**
 * A team's secrets (Team → Secrets, and tRPC): a name agents' tools refer to as `{{secret:NAME}}` and
 * a value that is written, never read back. Plain zod: safe for the browser. docs/decisions/036.
 */
export const SECRET_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Shorter values could not be told apart from ordinary text when a response is redacted. */
export const SECRET_VALUE_MIN = 8;
export const SECRET_VALUE_MAX = 8192;

/** `{{secret:NAME}}` wherever the http_request tool substitutes secrets; the name is checked against the team's. */
export const SECRET_PLACEHOLDER = /\{\{secret:([^{}]*)\}\}/g;

/** What replaces a secret's value wherever it would be shown: `[secret:NAME]`. */
export const secretMark = (name: string) => `[secret:${name}]`;

export const secretNameSchema = z
  .string({ message: "Name the secret, e.g. GITHUB_TOKEN." })
  .trim()
  .min(1, { message: "Name the secret, e.g. GITHUB_TOKEN." })
  .max(64, { message: "Names can be at most 64 characters." })
  .regex(SECRET_NAME_PATTERN, {
    message: "Use capital letters, digits and underscores, starting with a letter (e.g. GITHUB_TOKEN).",
  });

export const secretValueSchema = z
  .string({ message: "Enter the secret's value." })
  .min(SECRET_VALUE_MIN, { message: `Values are at least ${SECRET_VALUE_MIN} characters (shorter ones could not be redacted reliably).` })
  .max(SECRET_VALUE_MAX, { message: `Values can be at most ${SECRET_VALUE_MAX.toLocaleString("en-US")} characters.` })
  .refine((value) => value.trim() === value, { message: "Remove the spaces or line breaks at the start or end of the value." });

export const secretInputSchema = z.object({ name: secretNameSchema, value: secretValueSchema });
export type SecretInput = z.input<typeof secretInputSchema>;
