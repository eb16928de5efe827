import "server-only";
import { z } from "zod";
import { CYCLE_OUTCOMES, RUN_STATUSES, cyclesInput, runsInput } from "../../../shared/fleet";
import { listTeamCycles, listTeamRuns } from "../../fleet/activity";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";
import { id, time, usd } from "./schemas";

const nextCursor = z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." });

const fleetCyclePage = z.object({
  items: z.array(
    z.object({
      agentId: id,
      agentName: z.string(),
      cycle: z.number().int(),
      runId: z.string().nullable(),
      outcome: z.enum(CYCLE_OUTCOMES),
      tools: z.array(z.string()),
      error: z.string().nullable().meta({ description: "What went wrong, in the loop's or the tool's words; null unless it failed." }),
      startedAt: time,
      endedAt: time,
      latencyMs: z.number().int().meta({ description: "Wall time from the start of its model call to its last event." }),
      modelMs: z.number().int().nullable(),
      tokens: z.number().int(),
      costUsd: usd,
    }),
  ),
  nextCursor,
});

const fleetRunPage = z.object({
  items: z.array(
    z.object({
      id,
      agentId: id,
      agentName: z.string(),
      status: z.enum(RUN_STATUSES),
      reason: z.string().nullable(),
      startCycle: z.number().int(),
      endCycle: z.number().int().nullable(),
      cycles: z.number().int(),
      failedCycles: z.number().int(),
      startedAt: time,
      endedAt: time.nullable(),
      latencyMs: z.number().int().nullable(),
      tokens: z.number().int(),
      costUsd: usd,
    }),
  ),
  nextCursor,
});

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
    .output(fleetCyclePage)
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
    .output(fleetRunPage)
    .query(({ ctx, input: { status, cursor, limit, ...filter } }) => listTeamRuns({ teamId: ctx.team.id, filter, status, cursor, limit })),
});
