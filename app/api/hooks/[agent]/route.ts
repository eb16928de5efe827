import { receiveWebhook } from "~/server/triggers/webhooks";

/**
 * Webhook deliveries for one agent. Server to server: authenticated by the HMAC signature of the body
 * (no session, no cookies), so the browser cross-origin guard does not apply. POST only.
 */
export async function POST(req: Request, { params }: { params: Promise<{ agent: string }> }) {
  const { agent } = await params;
  return receiveWebhook(req, agent);
}
