import { Inngest } from "inngest";

/**
 * The one Inngest client. Where it sends events and who calls its functions is configured by the
 * environment alone (read by the SDK): INNGEST_DEV=http://127.0.0.1:8288 for the bundled executor or
 * `npx inngest-cli dev`; INNGEST_SIGNING_KEY + INNGEST_EVENT_KEY for Inngest Cloud or a self-hosted
 * Inngest server. `npm start` sets INNGEST_DEV to the executor it starts.
 */
export const inngest = new Inngest({ id: "longhaul" });
