import "server-only";
/**
 * `LONGHAUL_SIGNUP`: who may create an account once the instance has its first one (the first
 * account is always allowed, so the quick start needs no setting). Parsed here, without the database,
 * because server/env.ts reads it at start-up; applied by server/auth/sign-up.ts.
 */
export type SignUpPolicy = { mode: "open" } | { mode: "invite-only" } | { mode: "domains"; domains: string[] };

export const DEFAULT_SIGN_UP_POLICY: SignUpPolicy = { mode: "invite-only" };

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function parseSignUpPolicy(value: string | undefined): SignUpPolicy {
  const text = value?.trim().toLowerCase() ?? "";
  if (text === "" || text === "invite-only") return DEFAULT_SIGN_UP_POLICY;
  if (text === "open") return { mode: "open" };
  const domains = text
    .split(",")
    .map((entry) => entry.trim().replace(/^@/, ""))
    .filter(Boolean);
  const invalid = domains.filter((domain) => !DOMAIN.test(domain));
  if (domains.length === 0 || invalid.length > 0) {
    throw new Error(
      `must be "open", "invite-only" or a comma-separated list of e-mail domains such as example.com,example.org` +
        (invalid.length > 0 ? ` ("${invalid.join('", "')}" is not a domain)` : ""),
    );
  }
  return { mode: "domains", domains: [...new Set(domains)] };
}

/** The domain part of an address, lower-cased ("" when there is none). */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf("@");
  return at < 0
    ? ""
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** "example.com", "example.com and example.org", "a.com, b.com and c.com". */
export function describeDomains(domains: readonly string[]): string {
  if (domains.length <= 1) return domains[0] ?? "";
  return `${domains.slice(0, -1).join(", ")} and ${domains.at(-1)}`;
}
