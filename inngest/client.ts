import { Inngest } from "inngest";

/**
 * The one Inngest client. Where it sends events and who calls its functions is configured by the
 * environment alone (read by the SDK): INNGEST_SIGNING_KEY + INNGEST_EVENT_KEY (cloud mode: every call
 * must be signed) for Inngest Cloud, a self-hosted Inngest server or the bundled executor, which
 * `npm start` runs this way with INNGEST_DEV=0 and INNGEST_BASE_URL pointing at it (docs/decisions/017);
 * INNGEST_DEV=http://127.0.0.1:8288 for `npx inngest-cli dev` (dev mode: nothing is checked).
 */
export const inngest = new Inngest({ id: "longhaul" });
