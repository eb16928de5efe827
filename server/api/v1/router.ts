import "server-only";
import { createTRPCRouter } from "../trpc";
import { agentsApi } from "./agents";
import { deliveriesApi } from "./deliveries";
import { channelsApi } from "./channels";
import { mcpApi } from "./mcp";
import { notificationRulesApi } from "./notification-rules";
import { tracesApi } from "./traces";
import { fleetApi } from "./fleet";
import { approvalsApi, memoriesApi, providersApi, shareApi, teamApi } from "./team";

/**
 * The public HTTP API (/api/v1): tRPC procedures with an OpenAPI route each (trpc-to-openapi), on the
 * same `teamProcedure` permissions and the same `server/` functions as the dashboard's router, with
 * answers of their own, written down in ./schemas.ts. docs/decisions/034-public-api.md.
 */
export const publicApiRouter = createTRPCRouter({
  team: teamApi,
  agents: agentsApi,
  providers: providersApi,
  approvals: approvalsApi,
  memories: memoriesApi,
  share: shareApi,
  mcp: mcpApi,
  deliveries: deliveriesApi,
  channels: channelsApi,
  notificationRules: notificationRulesApi,
  traces: tracesApi,
  fleet: fleetApi,
});

export type PublicApiRouter = typeof publicApiRouter;
