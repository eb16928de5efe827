import "server-only";
import { Prisma } from "../db/client";
import { direct } from "../db/raw";
import { logger } from "../logger";
import type { CycleTraceRecorder } from "./trace-recorder";
import { storePromptParts } from "./trace-parts";

/**
 * Writes what a step of a cycle recorded: its spans appended to the cycle's row, and the prompt (with
 * the blobs it names not stored yet) when this step called the model. One statement. A trace is an
 * observation: a write that fails is logged and the cycle goes on (its trace then shows the events'
 * own durations: read.ts).
 */
export async function writeCycleTrace(recorder: CycleTraceRecorder): Promise<void> {
  if (recorder.spans.length === 0 && !recorder.prompt) return;
  const { agentId, teamId, agentRunId, cycle } = recorder.ids;
  const stored = recorder.prompt ? storePromptParts(recorder.prompt) : null;
  const names = stored ? [...stored.blobs.keys()] : [];
  const data = stored ? [...stored.blobs.values()] : [];
  try {
    await direct.$executeRaw(Prisma.sql`
      WITH blobs AS (
        INSERT INTO trace_blob ("agentId", "teamId", hash, data)
        SELECT ${agentId}::uuid, ${teamId}, b.hash, b.data FROM unnest(${names}::text[], ${data}::bytea[]) AS b(hash, data)
        ON CONFLICT DO NOTHING
      )
      INSERT INTO cycle_trace ("agentId", "teamId", cycle, "runId", spans, prompt)
      VALUES (${agentId}::uuid, ${teamId}, ${cycle}, ${agentRunId}::uuid, ${JSON.stringify(recorder.spans)}::jsonb,
              ${stored ? JSON.stringify(stored.prompt) : null}::jsonb)
      ON CONFLICT ("agentId", cycle) DO UPDATE
        SET spans = cycle_trace.spans || EXCLUDED.spans, prompt = coalesce(EXCLUDED.prompt, cycle_trace.prompt)`);
  } catch (error) {
    logger.warn({ err: error, agentId, cycle }, "could not write the cycle's trace; the cycle goes on");
  }
}
