import "server-only";
import { z } from "zod";
import { agentSettingsSchema } from "../../../shared/agent-input";
import { AGENT_SORTS, listAgents } from "../../agents/agent-list";
import { createAgent, getAgentOrThrow } from "../../agents/agents";
import { agentSettingsOf, updateAgent } from "../../agents/edit";
import { forkAgent } from "../../forks/fork";
import { archiveAgents, deleteAgents, restoreAgents } from "../../agents/archive";
import { forkLineage, forkPreview } from "../../forks/fork-state";
import { agentTree } from "../../agents/agent-tree";
import { forkInputSchema } from "../../../shared/fork-input";
import { pauseAgent, raiseBudget, startAgent, stopAgent } from "../../agents/control";
import { agentState, checkpointAt, eventsAfter, listCycles } from "../../agents/timeline";
import { rotateWebhookSecret, webhookInfo } from "../../triggers/webhooks";
import { getRunningImport } from "../../transfer/import";
import { restoreSummary } from "../../loop/summary-fold";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { tracked } from "@trpc/server";
import { LISTED_STATUSES } from "../../../shared/agent-status";

/** How often the live timeline looks for new events (one indexed query per open page). */
const LIVE_POLL_MS = 1000;

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const agentIdsInput = z.object({
  ids: z
    .array(z.uuid({ message: "That agent id is not valid." }))
    .min(1, { message: "Choose at least one agent." })
    .max(200, { message: "Choose at most 200 agents at a time." }),
});

export const agentRouter = createTRPCRouter({
  list: teamProcedure("agent:view")
    .input(
      z.object({
        status: z.enum(LISTED_STATUSES).optional(),
        archived: z.boolean().optional(),
        search: z.string().trim().max(200).optional(),
        sort: z.enum(AGENT_SORTS).optional(),
        /** The previous page's `nextCursor` (opaque; tied to the sort order). */
        cursor: z.string().max(2000).nullish(),
        limit: z.number().int().min(1).max(200).default(50),
        /** Grouped by tree: the page lists top agents, each with its sub-agents (server/agents/agent-list-tree.ts). */
        tree: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) => listAgents({ teamId: ctx.team.id, ...input, cursor: input.cursor ?? undefined })),

  /** The team's import in progress (rows written of all), for the import page; null when none runs. */
  importProgress: teamProcedure("agent:create").query(({ ctx }) => getRunningImport({ teamId: ctx.team.id })),

  byId: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => getAgentOrThrow({ teamId: ctx.team.id, agentId: input.id })),

  /** A page of the agent's history grouped by cycle, newest first. */
  timeline: teamProcedure("agent:view")
    .input(
      z.object({
        id: z.uuid({ message: "That agent id is not valid." }),
        /** Cycles older than this one (the next page); the newest page when absent. */
        cursor: z.number().int().min(0).nullish(),
        cycles: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) =>
      listCycles({ teamId: ctx.team.id, agentId: input.id, beforeCycle: input.cursor ?? undefined, cycles: input.cycles }),
    ),

  /** World state and rolling summary now, and the list of checkpoints. */
  state: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => agentState({ teamId: ctx.team.id, agentId: input.id })),

  /** One checkpoint (the snapshot written at a cycle). */
  checkpoint: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }), cycle: z.number().int().min(0) }))
    .query(({ ctx, input }) => checkpointAt({ teamId: ctx.team.id, agentId: input.id, cycle: input.cycle })),

  /**
   * The live timeline (server-sent events): every event after `afterSeq`, as it is written. Each is
   * tracked by its sequence number, so a reconnecting browser resumes where it left off.
   */
  events: teamProcedure("agent:view")
    .input(
      z.object({
        id: z.uuid({ message: "That agent id is not valid." }),
        afterSeq: z.number().int().min(0),
        lastEventId: z.string().nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      await getAgentOrThrow({ teamId: ctx.team.id, agentId: input.id });
      let after = input.lastEventId ? Number(input.lastEventId) || input.afterSeq : input.afterSeq;
      while (!signal?.aborted) {
        // Access is checked again before every read, not only when the stream opened: a member removed
        // (or signed out) while watching gets nothing more, and the stream ends with the reason.
        await ctx.assertStillAllowed();
        const events = await eventsAfter({ teamId: ctx.team.id, agentId: input.id, afterSeq: after });
        for (const event of events) {
          after = event.seq;
          yield tracked(String(event.seq), event);
        }
        if (events.length < 200) await sleep(LIVE_POLL_MS, signal);
      }
    }),

  create: teamProcedure("agent:create")
    .input(agentSettingsSchema)
    .mutation(({ ctx, input }) => createAgent({ teamId: ctx.team.id, userId: ctx.user.id, input })),

  /** The stored settings in the form's shape, for the edit form (with the row version it must send back). */
  settings: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => agentSettingsOf({ teamId: ctx.team.id, agentId: input.id })),

  /** Change an agent's settings; they apply from its next cycle. */
  update: teamProcedure("agent:edit")
    .input(agentSettingsSchema.extend({ id: z.uuid({ message: "That agent id is not valid." }), version: z.number().int().min(0) }))
    .mutation(({ ctx, input: { id, version, ...settings } }) =>
      updateAgent({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, agentId: id, version, input: settings }),
    ),

  /** A new idle agent with this agent's state at the end of any cycle, optionally with an edited state, instructions or model. */
  fork: teamProcedure("agent:edit")
    .input(forkInputSchema.extend({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input: { id, cycle, name, ...overrides } }) =>
      forkAgent({ teamId: ctx.team.id, userId: ctx.user.id, role: ctx.team.role, agentId: id, cycle, name, overrides }),
    ),

  /** The state at any cycle, for the fork dialog; and the agent's fork lineage (parent and forks). */
  forkPreview: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }), cycle: z.number().int().min(0) }))
    .query(({ ctx, input }) => forkPreview({ teamId: ctx.team.id, agentId: input.id, cycle: input.cycle })),
  lineage: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => forkLineage({ teamId: ctx.team.id, agentId: input.id })),
  /** Its sub-agents: the parent that started it and the children it started, down the tree (issue 23). */
  tree: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => agentTree({ teamId: ctx.team.id, agentId: input.id })),

  /** Archive (hide from the default list, restorable), restore and delete agents, one or many (server/agents/archive.ts). */
  archive: teamProcedure("agent:edit")
    .input(agentIdsInput)
    .mutation(({ ctx, input }) => archiveAgents({ teamId: ctx.team.id, userId: ctx.user.id, agentIds: input.ids })),
  restore: teamProcedure("agent:edit")
    .input(agentIdsInput)
    .mutation(({ ctx, input }) => restoreAgents({ teamId: ctx.team.id, userId: ctx.user.id, agentIds: input.ids })),
  delete: teamProcedure("agent:delete")
    .input(agentIdsInput)
    .mutation(({ ctx, input }) => deleteAgents({ teamId: ctx.team.id, userId: ctx.user.id, agentIds: input.ids })),

  /** Start an idle agent, or resume a paused, stopped, stuck or finished one from its checkpoint. */
  start: teamProcedure("agent:control")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input }) => startAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id })),

  pause: teamProcedure("agent:control")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input }) => pauseAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id })),

  stop: teamProcedure("agent:control")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }), reason: z.string().max(500) }))
    .mutation(({ ctx, input }) => stopAgent({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id, reason: input.reason })),

  /** Raise money, token or cycle limits: approves a pending soft-limit hold, resumes a budget-exhausted agent. */
  raiseBudget: teamProcedure("budget:raise")
    .input(
      z.object({
        id: z.uuid({ message: "That agent id is not valid." }),
        budgetUsd: z
          .string()
          .trim()
          .regex(/^\d{1,10}(\.\d{1,8})?$/, { message: "Enter an amount in dollars, like 25 or 12.50." })
          .optional(),
        budgetTokens: z.number({ message: "Enter a whole number of tokens." }).int().positive().max(1e15).optional(),
        budgetCycles: z.number({ message: "Enter a whole number of cycles." }).int().positive().max(10_000_000).optional(),
      }),
    )
    .mutation(({ ctx, input: { id, ...raise } }) => raiseBudget({ agentId: id, teamId: ctx.team.id, userId: ctx.user.id, raise })),

  /** The Triggers tab: webhook URL, whether a secret exists (never the secret), the schedule, recent deliveries. */
  webhook: teamProcedure("agent:view")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .query(({ ctx, input }) => webhookInfo({ agentId: input.id, teamId: ctx.team.id })),

  /** Create or replace the webhook secret; the new secret is returned this once, and the old one stops working. */
  rotateWebhookSecret: teamProcedure("agent:control")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }) }))
    .mutation(({ ctx, input }) => rotateWebhookSecret({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id })),

  /** Undoes a model-written summary (a `summary` event of a fold): the agent's summary goes back to that fold's digest lines. */
  restoreSummary: teamProcedure("agent:edit")
    .input(z.object({ id: z.uuid({ message: "That agent id is not valid." }), seq: z.number().int().min(1) }))
    .mutation(({ ctx, input }) => restoreSummary({ agentId: input.id, teamId: ctx.team.id, userId: ctx.user.id, seq: input.seq })),
});
