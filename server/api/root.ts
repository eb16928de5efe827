import { agentRouter } from "./routers/agent";
import { teamRouter } from "./routers/team";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  agent: agentRouter,
  team: teamRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller: `createCaller(ctx).agent.list(...)`, used by server components and tests. */
export const createCaller = createCallerFactory(appRouter);
