import { env } from "~/server/env";
import { inngest } from "./client";
import { functions } from "./index";

/** The path the app serves its Inngest functions at (app/api/inngest/route.ts). */
export const INNGEST_SERVE_PATH = "/api/inngest";

/**
 * How the app serves its functions to Inngest (SECURITY.md):
 * - the app's own URL comes from configuration (INNGEST_SERVE_ORIGIN, else APP_URL), never from the
 *   request: otherwise a request with a foreign Host header could make the SDK register the app at
 *   an address of the sender's choosing, and the executor would send every step there;
 * - with a signing key (cloud mode: Inngest Cloud, self-hosted Inngest, the bundled executor) every
 *   request, syncs (PUT) included, must carry a valid signature; the SDK's default would let anyone
 *   trigger a sync.
 */
export const serveOptions = {
  client: inngest,
  functions,
  serveOrigin: new URL(env.INNGEST_SERVE_ORIGIN ?? env.APP_URL).origin,
  servePath: INNGEST_SERVE_PATH,
  enableUnauthedSync: false,
};
