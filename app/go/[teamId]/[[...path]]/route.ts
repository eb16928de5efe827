import { followDeepLink } from "~/server/notifications/deep-link";

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A notification's deep link: switches the active team, then redirects (server/notifications/deep-link.ts). */
export async function GET(request: Request) {
  const answer = await followDeepLink({ url: new URL(request.url), headers: request.headers });
  if (answer.kind === "redirect")
    return new Response(null, { status: 303, headers: { location: answer.location, "cache-control": "no-store" } });
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(answer.title)} · Longhaul</title></head><body><main><h1>${escape(answer.title)}</h1><p>${escape(answer.message)}</p><p><a href="/agents">Go to your agents</a></p></main></body></html>`;
  return new Response(body, {
    status: answer.status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
