import "server-only";
import { agentRouter } from "./routers/agent";
import { apiTokenRouter } from "./routers/api-token";
import { approvalRouter } from "./routers/approval";
import { approvalLinkRouter } from "./routers/approval-link";
import { auditRouter } from "./routers/audit";
import { channelRouter } from "./routers/channel";
import { mcpRouter } from "./routers/mcp";
import { memoryRouter } from "./routers/memory";
import { traceRouter } from "./routers/trace";
import { fleetRouter } from "./routers/fleet";
import { notificationRouter } from "./routers/notification";
import { providerRouter } from "./routers/provider";
import { runRouter } from "./routers/run";
import { secretRouter } from "./routers/secret";
import { deliveryRouter } from "./routers/delivery";
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
  trace: traceRouter,
  fleet: fleetRouter,
  spend: spendRouter,
  share: shareRouter,
  audit: auditRouter,
  apiToken: apiTokenRouter,
  mcp: mcpRouter,
  secret: secretRouter,
  delivery: deliveryRouter,
  channel: channelRouter,
  approvalLink: approvalLinkRouter,
  notification: notificationRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller: `createCaller(ctx).agent.list(...)`, used by server components and tests. */
export const createCaller = createCallerFactory(appRouter);
