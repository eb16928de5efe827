import "server-only";
import type { TeamRoleName } from "../../shared/roles";

/**
 * How an invitation reaches the invited person besides the link an admin copies. Off by default:
 * Longhaul ships no mail server, and the Team page always shows the link. A deployment that wants
 * e-mail registers a sender once at start-up (e.g. in instrumentation.ts):
 *
 *   setInviteSender({ send: async (m) => mailer.send({ to: m.to, subject: `Join ${m.teamName}`, text: m.url }) });
 *
 * A sender that throws does not undo the invitation: the admin is told the e-mail failed and copies
 * the link instead.
 */
export type InviteMessage = {
  to: string;
  teamName: string;
  inviterName: string;
  role: TeamRoleName;
  /** Absolute link to the invite page (APP_URL + /invite/<id>). */
  url: string;
  expiresAt: Date;
};

export type InviteSender = { send: (message: InviteMessage) => Promise<void> };

let sender: InviteSender | null = null;

export function setInviteSender(next: InviteSender | null): void {
  sender = next;
}

export function getInviteSender(): InviteSender | null {
  return sender;
}
