import "server-only";
import { z } from "zod";
import { TRACE_SPAN_KINDS } from "../../../shared/cycle-trace";
import { exportCycleTrace } from "../../traces/export";
import { getCycleTrace } from "../../traces/read";
import { createTRPCRouter, teamProcedure } from "../trpc";
import { route } from "./meta";

const TAG = "Agents";
const input = z.object({
  id: z.uuid({ message: "That agent id is not valid." }),
  cycle: z.coerce.number().int({ message: "A cycle is a whole number." }).min(0, { message: "Cycles start at 0." }),
});

const attrs = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const cycleTrace = z.object({
  agentId: z.string(),
  cycle: z.number().int(),
  startedAt: z.date().nullable(),
  totalMs: z.number(),
  source: z
    .enum(["recorded", "events"])
    .meta({ description: "recorded: timed by the loop; events: only the events' own durations were known." }),
  spans: z.array(
    z.object({
      id: z.string(),
      parentId: z.string().nullable(),
      kind: z.enum(TRACE_SPAN_KINDS),
      name: z.string(),
      offsetMs: z.number().meta({ description: "Milliseconds after the cycle's first span started." }),
      ms: z.number(),
      attrs: attrs.meta({ description: "OpenTelemetry GenAI semantic-convention attributes (gen_ai.*) and longhaul.* ones." }),
      tokensIn: z.number().int().nullable(),
      tokensOut: z.number().int().nullable(),
      costUsd: z.string().nullable(),
    }),
  ),
  prompt: z
    .object({
      messages: z.array(z.object({ role: z.string(), content: z.string() })),
      isExact: z.boolean().nullable().meta({ description: "The rebuilt messages match the hash of the ones sent." }),
      note: z.string().nullable(),
      promptTokens: z.number().int().nullable(),
      parts: z.object({
        system: z.string(),
        worldState: z.string(),
        summary: z.string(),
        memories: z.array(
          z.object({ id: z.string(), kind: z.string(), content: z.string(), why: z.record(z.string(), z.unknown()).nullable() }),
        ),
        recentEvents: z.number().int(),
        toolSchemas: z.array(z.unknown()),
      }),
    })
    .nullable(),
  reply: z
    .object({
      content: z.string().nullable(),
      toolCalls: z.array(z.object({ name: z.string(), arguments: z.string() })),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
      costUsd: z.string(),
      finishReason: z.string().nullable(),
      attempts: z.number().int().nullable(),
      model: z.string().nullable(),
    })
    .nullable(),
});

/** A cycle's trace (docs/decisions/038), as the dashboard shows it and as OTLP/JSON for a collector. */
export const tracesApi = createTRPCRouter({
  get: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/agents/{id}/cycles/{cycle}/trace",
        TAG,
        "A cycle's trace",
        "Its spans on a time axis, the exact messages sent to the model (rebuilt and checked against their hash) and the reply.",
      ),
    )
    .input(input)
    .output(cycleTrace)
    .query(({ ctx, input }) => getCycleTrace({ teamId: ctx.team.id, agentId: input.id, cycle: input.cycle })),

  otlp: teamProcedure("agent:view")
    .meta(
      route(
        "GET",
        "/agents/{id}/cycles/{cycle}/trace/otlp",
        TAG,
        "A cycle's trace as OTLP/JSON",
        "The body an OpenTelemetry collector takes at /v1/traces, with the GenAI semantic conventions (gen_ai.* attributes).",
      ),
    )
    .input(input)
    .output(z.object({ resourceSpans: z.array(z.unknown()) }))
    .query(({ ctx, input }) => exportCycleTrace({ teamId: ctx.team.id, agentId: input.id, cycle: input.cycle })),
});
