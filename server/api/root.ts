import "server-only";
import { agentRouter } from "./routers/agent";
import { apiTokenRouter } from "./routers/api-token";
import { approvalRouter } from "./routers/approval";
import { auditRouter } from "./routers/audit";
import { mcpRouter } from "./routers/mcp";
import { memoryRouter } from "./routers/memory";
import { notificationRouter } from "./routers/notification";
import { providerRouter } from "./routers/provider";
import { runRouter } from "./routers/run";
import { secretRouter } from "./routers/secret";
import { shareRouter } from "./routers/share";
import { spendRouter } from "./routers/spend";
import { teamRouter } from "./routers/team";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  agent: agentRouter,
  team: teamRouter,
  run: runRouter,
  approval: approvalRouter,
  provider: providerRouter,
  memory: memoryRouter,
  spend: spendRouter,
  share: shareRouter,
  audit: auditRouter,
  apiToken: apiTokenRouter,
  mcp: mcpRouter,
  secret: secretRouter,
  notification: notificationRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller: `createCaller(ctx).agent.list(...)`, used by server components and tests. */
export const createCaller = createCallerFactory(appRouter);
