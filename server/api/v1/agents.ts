import "server-only";
import { z } from "zod";
import { agentSettingsSchema } from "../../../shared/agent-input";
import { LISTED_STATUSES } from "../../../shared/agent-status";
import { AGENT_SORTS, listAgents } from "../../agents/agent-list";
import { createAgent, getAgentOrThrow } from "../../agents/agents";
import { deleteAgent, pauseAgent, raiseBudget, startAgent, stopAgent } from "../../agents/control";
import { agentSettingsOf, patchAgent } from "../../agents/edit";
import { forkAgent } from "../../forks/fork";
import { actOnOneAgent, archiveAgents, restoreAgents } from "../../agents/archive";
import { forkInputSchema } from "../../../shared/fork-input";
import { agentTree } from "../../agents/agent-tree";
import { agentState, eventsAfter, listCycles } from "../../agents/timeline";
import { restoreSummary } from "../../loop/summary-fold";
import { getSpendReport, DEFAULT_SPEND_BUCKETS } from "../../spend/report";
import { createTRPCRouter, teamProcedure } from "../trpc";
import type { OpenApiMeta } from "trpc-to-openapi";
import { route } from "./meta";
import * as out from "./schemas";
import { agentTree as agentTreeAnswer } from "./schemas-tree";

const TAG = "Agents";
const agentId = z.uuid({ message: "That agent id is not valid." });
const byId = z.object({ id: agentId });

/** An action on one agent, answered with the agent as it is afterwards. */
const afterwards = (teamId: string, id: string) => getAgentOrThrow({ teamId, agentId: id });

/** Start and resume are one action (startAgent), with a route each so that scripts read as what they mean. */
const startOrResume = (meta: OpenApiMeta) =>
  teamProcedure("agent:control")
    .meta(meta)
    .input(byId)
    .output(out.agent)
    .mutation(async ({ ctx, input }) => {
      await startAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id });
      return afterwards(ctx.team.id, input.id);
    });

export const agentsApi = createTRPCRouter({
  list: teamProcedure("agent:view")
    .meta(route("GET", "/agents", TAG, "List agents", "A page of the team's agents; `nextCursor` gives the next page."))
    .input(
      z.object({
        status: z.enum(LISTED_STATUSES).optional(),
        archived: z.stringbool().optional().meta({ description: "true: the archived agents instead of the others." }),
        search: z.string().trim().max(200).optional(),
        sort: z.enum(AGENT_SORTS).optional(),
        cursor: z.string().max(2000).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(out.agentPage)
    .query(({ ctx, input }) => listAgents({ teamId: ctx.team.id, ...input })),

  create: teamProcedure("agent:create")
    .meta(route("POST", "/agents", TAG, "Create an agent", "Created idle; start it with `POST /agents/{id}/start`."))
    .input(agentSettingsSchema)
    .output(out.agent)
    .mutation(({ ctx, input }) => createAgent({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  get: teamProcedure("agent:view")
    .meta(route("GET", "/agents/{id}", TAG, "Get an agent"))
    .input(byId)
    .output(out.agent)
    .query(({ ctx, input }) => getAgentOrThrow({ teamId: ctx.team.id, agentId: input.id })),

  settings: teamProcedure("agent:view")
    .meta(route("GET", "/agents/{id}/settings", TAG, "Get an agent's settings", "With the `version` a change may send back."))
    .input(byId)
    .output(out.agentSettings)
    .query(({ ctx, input }) => agentSettingsOf({ teamId: ctx.team.id, agentId: input.id })),

  update: teamProcedure("agent:edit")
    .meta(
      route(
        "PATCH",
        "/agents/{id}",
        TAG,
        "Change an agent's settings",
        "Only the fields sent change; they apply from the agent's next cycle. With `version`, a change made since is not overwritten (409). Raising a limit needs the admin role.",
      ),
    )
    .input(agentSettingsSchema.partial().extend({ id: agentId, version: z.number().int().min(0).optional() }))
    .output(out.agentUpdated)
    .mutation(({ ctx, input: { id, version, ...changes } }) =>
      patchAgent({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, agentId: id, version, changes }),
    ),

  start: startOrResume(
    route("POST", "/agents/{id}/start", TAG, "Start an agent", "Starts an idle or hibernated agent, or resumes any other stopped one."),
  ),

  resume: startOrResume(
    route("POST", "/agents/{id}/resume", TAG, "Resume an agent", "The same as start: a new run from the latest checkpoint."),
  ),

  pause: teamProcedure("agent:control")
    .meta(route("POST", "/agents/{id}/pause", TAG, "Pause an agent", "At its next safe point."))
    .input(byId)
    .output(out.agent)
    .mutation(async ({ ctx, input }) => {
      await pauseAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id });
      return afterwards(ctx.team.id, input.id);
    }),

  stop: teamProcedure("agent:control")
    .meta(
      route(
        "POST",
        "/agents/{id}/stop",
        TAG,
        "Stop an agent",
        "Cancels its running cycle and pending approvals; a later start resumes it.",
      ),
    )
    .input(byId.extend({ reason: z.string().max(500) }))
    .output(out.agent)
    .mutation(async ({ ctx, input }) => {
      await stopAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id, reason: input.reason });
      return afterwards(ctx.team.id, input.id);
    }),

  fork: teamProcedure("agent:edit")
    .meta(
      route(
        "POST",
        "/agents/{id}/fork",
        TAG,
        "Fork an agent",
        "A new idle agent with this agent's state at the end of any cycle; optionally with an edited world state, other instructions or another model. The original is not changed.",
      ),
    )
    .input(byId.merge(forkInputSchema))
    .output(out.agentForked)
    .mutation(({ ctx, input: { id, cycle, name, ...overrides } }) =>
      forkAgent({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, agentId: id, cycle, name, overrides }),
    ),

  archive: teamProcedure("agent:edit")
    .meta(
      route(
        "POST",
        "/agents/{id}/archive",
        TAG,
        "Archive an agent",
        "Hides it from the default list (list with `archived=true` to see it); restorable. Only an agent without a live run.",
      ),
    )
    .input(byId)
    .output(out.agent)
    .mutation(async ({ ctx, input }) => {
      await actOnOneAgent(archiveAgents, { agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id });
      return afterwards(ctx.team.id, input.id);
    }),

  restore: teamProcedure("agent:edit")
    .meta(route("POST", "/agents/{id}/restore", TAG, "Restore an archived agent", "Back in the default list, with the status it had."))
    .input(byId)
    .output(out.agent)
    .mutation(async ({ ctx, input }) => {
      await actOnOneAgent(restoreAgents, { agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id });
      return afterwards(ctx.team.id, input.id);
    }),

  delete: teamProcedure("agent:delete")
    .meta(
      route(
        "DELETE",
        "/agents/{id}",
        TAG,
        "Delete an agent",
        "With its runs, events, memories, checkpoints, cold history files and share links; the audit log and spend ledger entries stay. Only an agent without a live run: stop it first.",
      ),
    )
    .input(byId)
    .output(out.ok)
    .mutation(async ({ ctx, input }) => {
      await deleteAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id });
      return { ok: true as const };
    }),

  raiseBudget: teamProcedure("budget:raise")
    .meta(
      route(
        "POST",
        "/agents/{id}/budget",
        TAG,
        "Raise an agent's limits",
        "Each limit given is judged on its own: the valid ones are applied (approving a pending soft-limit hold and resuming a budget-exhausted agent), and `notApplied` says, per field, why one was not and what to change. When none is valid, nothing changes and the 400 answer names each field.",
      ),
    )
    .input(
      byId.extend({
        budgetUsd: z
          .string()
          .trim()
          .regex(/^\d{1,10}(\.\d{1,8})?$/, { message: "Enter an amount in dollars, like 25 or 12.50." })
          .optional(),
        budgetTokens: z.number().int().positive().max(1e15).optional(),
        budgetCycles: z.number().int().positive().max(10_000_000).optional(),
      }),
    )
    .output(out.agentAfterRaise)
    .mutation(async ({ ctx, input: { id, ...raise } }) => {
      const { notApplied } = await raiseBudget({ agentId: id, teamId: ctx.team.id, userId: ctx.user.id, raise });
      return { ...(await afterwards(ctx.team.id, id)), notApplied };
    }),

  timeline: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/agents/{id}/timeline",
        TAG,
        "An agent's history by cycle",
        "Newest cycles first; `nextBeforeCycle` gives the next page.",
      ),
    )
    .input(byId.extend({ beforeCycle: z.number().int().min(1).optional(), cycles: z.number().int().min(1).max(100).default(20) }))
    .output(out.timeline)
    .query(({ ctx, input }) =>
      listCycles({ teamId: ctx.team.id, agentId: input.id, beforeCycle: input.beforeCycle, cycles: input.cycles }),
    ),

  events: teamProcedure("agent:view")
    .meta(
      route("GET", "/agents/{id}/events", TAG, "An agent's events after a sequence number", "Oldest first; poll with `after=nextAfter`."),
    )
    .input(byId.extend({ after: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(200) }))
    .output(out.eventPage)
    .query(async ({ ctx, input }) => {
      await getAgentOrThrow({ teamId: ctx.team.id, agentId: input.id });
      const events = await eventsAfter({ teamId: ctx.team.id, agentId: input.id, afterSeq: input.after, limit: input.limit });
      return { events, nextAfter: events.at(-1)?.seq ?? input.after, hasMore: events.length === input.limit };
    }),

  state: teamProcedure("agent:view")
    .meta(route("GET", "/agents/{id}/state", TAG, "An agent's world state and summary", "With its checkpoints, newest first."))
    .input(byId)
    .output(out.agentState)
    .query(({ ctx, input }) => agentState({ teamId: ctx.team.id, agentId: input.id })),

  restoreSummary: teamProcedure("agent:edit")
    .meta(
      route(
        "POST",
        "/agents/{id}/summary/restore",
        TAG,
        "Undo a model-written summary",
        "`seq` is the summary event's; the summary goes back to that fold's rule-based digest. Only the newest model-written summary (409 otherwise).",
      ),
    )
    .input(byId.extend({ seq: z.number().int().min(1) }))
    .output(out.summaryRestored)
    .mutation(({ ctx, input }) => restoreSummary({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id, seq: input.seq })),

  tree: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/agents/{id}/tree",
        TAG,
        "An agent's sub-agents",
        "The parent that started it (null for an agent a person made, or when the parent was deleted) and its descendants in tree order, each child right after its parent; `level` is 1 for its own children.",
      ),
    )
    .input(byId)
    .output(agentTreeAnswer)
    .query(({ ctx, input }) => agentTree({ teamId: ctx.team.id, agentId: input.id })),

  spend: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/agents/{id}/spend",
        TAG,
        "An agent's spend",
        "Totals, reserved now, by kind and model, over time, and the limit forecast.",
      ),
    )
    .input(byId.extend({ buckets: z.number().int().min(6).max(120).default(DEFAULT_SPEND_BUCKETS) }))
    .output(out.spendReport)
    .query(({ ctx, input }) => getSpendReport({ teamId: ctx.team.id, agentId: input.id, buckets: input.buckets })),
});
