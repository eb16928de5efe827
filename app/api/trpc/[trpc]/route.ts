import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { env } from "~/server/env";
import { logger } from "~/server/logger";
import { crossOriginResponse, isCrossOriginWrite } from "~/server/security/same-origin";

const handler = (req: Request) =>
  isCrossOriginWrite(req, env.APP_URL)
    ? crossOriginResponse()
    : fetchRequestHandler({
        endpoint: "/api/trpc",
        req,
        router: appRouter,
        createContext: () => createTRPCContext({ headers: req.headers }),
        onError: ({ path, error }) => {
          if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ path, err: error.cause ?? error }, "tRPC procedure failed");
        },
      });

export { handler as GET, handler as POST };
