import "server-only";
import { db } from "../db/client";
import { maskEmail, normalizeEmail } from "../teams/invitations";
import { describeDomains, emailDomain, type SignUpPolicy } from "./sign-up-policy";

/**
 * Who may create an account (docs/decisions/020). An account brings a team, and with it the power to
 * run agents and aim their requests from this server, so after the instance's first account sign-up
 * follows `LONGHAUL_SIGNUP`:
 * - the first account of an instance is always allowed (the quick start needs no setting);
 * - `open`: anyone;
 * - a list of domains: addresses at those domains;
 * - `invite-only` (the default): nobody but
 * - in every mode, a person holding a pending invitation link, signing up with the invited address.
 *   The link's id must come with the sign-up: knowing an invited address is not enough.
 * better-auth's sign-up hook (server/auth/auth.ts) asks `decideSignUp`; the sign-up page asks
 * `getSignUpAvailability` so that a closed instance says so before anyone fills in the form.
 */

export const INVITE_ONLY_MESSAGE = "This Longhaul instance is invite-only; ask a team admin for an invitation link.";

export type SignUpDecision =
  | { isAllowed: true; reason: "first-account" | "open" | "domain" | "invitation" }
  | { isAllowed: false; code: "SIGN_UP_INVITE_ONLY" | "SIGN_UP_DOMAIN_NOT_ALLOWED" | "SIGN_UP_WRONG_INVITED_EMAIL"; message: string };

export type SignUpAvailability =
  { isOpen: true; note: string | null; invitedEmailHint: string | null } | { isOpen: false; message: string };

async function hasAnyAccount(): Promise<boolean> {
  return (await db.user.findFirst({ select: { id: true } })) !== null;
}

async function findPendingInvitation(invitationId: string | null | undefined, now: Date) {
  if (!invitationId) return null;
  return db.invitation.findFirst({ where: { id: invitationId, status: "pending", expiresAt: { gt: now } }, select: { email: true } });
}

function closedMessage(policy: SignUpPolicy): { code: "SIGN_UP_INVITE_ONLY" | "SIGN_UP_DOMAIN_NOT_ALLOWED"; message: string } {
  if (policy.mode === "domains") {
    return {
      code: "SIGN_UP_DOMAIN_NOT_ALLOWED",
      message: `Accounts here are for addresses at ${describeDomains(policy.domains)}; for another address, ask a team admin for an invitation link.`,
    };
  }
  return { code: "SIGN_UP_INVITE_ONLY", message: INVITE_ONLY_MESSAGE };
}

/** The one sign-up rule: may `email` create an account now (with the invitation link `invitationId`, if any)? */
export async function decideSignUp({
  email,
  invitationId,
  policy,
  now = new Date(),
}: {
  email: string;
  invitationId?: string | null;
  policy: SignUpPolicy;
  now?: Date;
}): Promise<SignUpDecision> {
  if (!(await hasAnyAccount())) return { isAllowed: true, reason: "first-account" };
  if (policy.mode === "open") return { isAllowed: true, reason: "open" };
  const address = normalizeEmail(email);
  if (policy.mode === "domains" && policy.domains.includes(emailDomain(address))) return { isAllowed: true, reason: "domain" };
  const invitation = await findPendingInvitation(invitationId, now);
  if (invitation) {
    if (invitation.email === address) return { isAllowed: true, reason: "invitation" };
    return {
      isAllowed: false,
      code: "SIGN_UP_WRONG_INVITED_EMAIL",
      message: `This invitation is for ${maskEmail(invitation.email)}: create your account with that address.`,
    };
  }
  return { isAllowed: false, ...closedMessage(policy) };
}

/** What the sign-up page shows before anyone types: the form (with a note), or why sign-up is closed. */
export async function getSignUpAvailability({
  invitationId,
  policy,
  now = new Date(),
}: {
  invitationId?: string | null;
  policy: SignUpPolicy;
  now?: Date;
}): Promise<SignUpAvailability> {
  if (!(await hasAnyAccount())) {
    const after =
      policy.mode === "open"
        ? "anyone may sign up after you (LONGHAUL_SIGNUP=open)."
        : policy.mode === "domains"
          ? `only addresses at ${describeDomains(policy.domains)} may sign up after you, or people you invite.`
          : "others join by invitation (LONGHAUL_SIGNUP changes that).";
    return { isOpen: true, note: `This is the first account of this Longhaul instance; ${after}`, invitedEmailHint: null };
  }
  const invitation = await findPendingInvitation(invitationId, now);
  if (invitation) {
    return { isOpen: true, note: null, invitedEmailHint: maskEmail(invitation.email) };
  }
  if (policy.mode === "open") return { isOpen: true, note: null, invitedEmailHint: null };
  if (policy.mode === "domains") {
    return {
      isOpen: true,
      note: `Accounts here are for addresses at ${describeDomains(policy.domains)}. For another address, ask a team admin for an invitation link.`,
      invitedEmailHint: null,
    };
  }
  return { isOpen: false, message: INVITE_ONLY_MESSAGE };
}
