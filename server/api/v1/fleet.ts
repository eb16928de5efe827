import "server-only";
import { cyclesInput, runsInput } from "../../../shared/fleet";
import { listTeamCycles, listTeamRuns } from "../../fleet/activity";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import * as out from "./schemas";

const TAG = "Fleet";
const FILTERS =
  "Filters: `agent` (part of the name), `agentId`, `tool` (part of a tool's name), `error` (part of the error text), " +
  "`window` (1h, 24h, 7d, 30d or all; 24h unless given). `nextCursor` gives the next page.";

/** The team's activity across all its agents (server/fleet/activity.ts), as the dashboard's Activity page lists it. */
export const fleetApi = createTRPCRouter({
  cycles: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/cycles",
        TAG,
        "List the team's cycles",
        `Every agent's cycles, the most recently active first, with outcome, tools, error, latency, tokens and cost. ${FILTERS} ` +
          "`outcome` keeps succeeded, failed, waiting or unfinished cycles.",
      ),
    )
    .input(cyclesInput)
    .output(out.fleetCyclePage)
    .query(({ ctx, input: { outcome, cursor, limit, ...filter } }) =>
      listTeamCycles({ teamId: ctx.team.id, filter, outcome, cursor, limit }),
    ),

  runs: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/runs",
        TAG,
        "List the team's runs",
        `Every agent's runs, the most recently started first, with cycles, failures, latency, tokens and cost. ${FILTERS} ` +
          "`status` keeps queued, running, completed, failed or cancelled runs.",
      ),
    )
    .input(runsInput)
    .output(out.fleetRunPage)
    .query(({ ctx, input: { status, cursor, limit, ...filter } }) => listTeamRuns({ teamId: ctx.team.id, filter, status, cursor, limit })),
});
