import { receiveSlackInteraction } from "~/server/approval-links/slack";

/**
 * Slack's interactive buttons (Approve / Reject on an approval notification). Server to server:
 * authenticated by Slack's request signature against the team's Slack signing secret, no session.
 */
export async function POST(req: Request) {
  return receiveSlackInteraction(req);
}
