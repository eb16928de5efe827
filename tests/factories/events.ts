import { appendEvent } from "~/server/agents/events";
import { db } from "~/server/db/client";

type Ids = { agentId: string; teamId: string };
export type TestEvent = Omit<Parameters<typeof appendEvent>[0], "agentId" | "teamId"> & {
  /** When the event happened, if not now (appendEvent writes the current time). */
  at?: Date;
};

/**
 * Appends `events` to the agent's log in order through the app's own appendEvent: gap-free sequence
 * numbers and the agent's counters moved as the loop moves them. Returns each event's id and seq.
 */
export async function appendTestEvents(ids: Ids, events: TestEvent[]) {
  const written: { id: bigint; seq: number }[] = [];
  for (const { at, ...event } of events) {
    const row = await appendEvent({ ...ids, ...event });
    if (at) await db.agentEvent.update({ where: { id: row.id }, data: { createdAt: at } });
    written.push(row);
  }
  return written;
}
