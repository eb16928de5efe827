import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";

type ErrorShape = {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; fieldErrors: Record<string, string[]> | null; stack?: string };
};

/**
 * Calls a tRPC mutation over the same fetch handler the app serves at /api/trpc, so the error
 * formatter (what a browser really receives) is exercised.
 */
export async function postTrpc(procedure: string, input: unknown, headers: Headers) {
  const req = new Request(`http://127.0.0.1:3000/api/trpc/${procedure}`, {
    method: "POST",
    headers: new Headers([...headers.entries(), ["content-type", "application/json"]]),
    body: JSON.stringify(superjson.serialize(input)),
  });
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { json: ErrorShape } };
  return { status: res.status, error: body.error?.json ?? null, data: body.result?.data ?? null };
}
