import "server-only";
import { SECRET_PLACEHOLDER, secretMark } from "../../shared/team-secrets";

/**
 * `{{secret:NAME}}` in what a tool sends, and the values kept out of what it returns. Pure functions
 * over the team's secrets by name (readTeamSecretValues): substitution happens just before a request
 * is sent, and redaction on everything the tool hands back, so a value never reaches the model, the
 * event log, the timeline or a share page. docs/decisions/036.
 */
export type SecretValues = ReadonlyMap<string, string>;

export class UnknownSecretError extends Error {
  constructor(name: string, secrets: SecretValues) {
    const names = [...secrets.keys()].sort();
    super(
      `There is no team secret named "${name}". ` +
        (names.length > 0
          ? `This team's secrets are: ${names.join(", ")}.`
          : "This team has no secrets yet: an admin adds them under Team → Secrets."),
    );
    this.name = "UnknownSecretError";
  }
}

export function hasSecretPlaceholder(text: string): boolean {
  return new RegExp(SECRET_PLACEHOLDER.source).test(text);
}

/** `text` with every `{{secret:NAME}}` replaced by the value (passed through `encode` first); an unknown name throws. */
export function substituteSecrets(text: string, secrets: SecretValues, encode: (value: string) => string = (v) => v): string {
  return text.replace(new RegExp(SECRET_PLACEHOLDER.source, "g"), (_match, name: string) => {
    const value = secrets.get(name.trim());
    if (value === undefined) throw new UnknownSecretError(name.trim(), secrets);
    return encode(value);
  });
}

/** Every string inside a JSON value (not the keys) with its placeholders substituted. */
export function substituteSecretsDeep(value: unknown, secrets: SecretValues): unknown {
  if (typeof value === "string") return substituteSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => substituteSecretsDeep(item, secrets));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteSecretsDeep(item, secrets)]));
  return value;
}

/**
 * A redactor for these secrets: every string (keys included) inside a value, with each secret's value,
 * as sent and as a URL encodes it, replaced by `[secret:NAME]`. Longer values first, so a secret that
 * contains another is replaced whole.
 */
export function secretRedactor(secrets: SecretValues): (value: unknown) => unknown {
  const forms = [...secrets]
    .flatMap(([name, value]) => [...new Set([value, encodeURIComponent(value)])].map((form) => ({ form, mark: secretMark(name) })))
    .sort((a, b) => b.form.length - a.form.length);
  const redactText = (text: string) => forms.reduce((out, { form, mark }) => (out.includes(form) ? out.split(form).join(mark) : out), text);
  const redact = (value: unknown): unknown => {
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactText(key), redact(item)]));
    return value;
  };
  return redact;
}
