/**
 * Sub-agents in the fault-injection suite (tests/chaos/run.ts, issue 23): every 5th agent (from 4)
 * delegates once, at cycle DELEGATE_AT, to two children; every 10th (from 4) waits for them, the others
 * go on and hear each child's end as a `trigger` event. The children are agents of their own: they run
 * CHILD_FINISH_AT - 1 world-state cycles and finish with a result naming them, under the same faults.
 * The checks here are the tree's: one child per delegation key, each child completed, a waiting
 * parent's delegate result recorded once with both results, a going-on parent told once per child, and
 * every carve committed. (The per-agent checks of run.ts cover the children too.)
 */
import type pg from "pg";

export const DELEGATE_AT = 2;
export const CHILD_FINISH_AT = 4;
const TASKS = ["a", "b"] as const;
export const delegates = (i: number) => i % 5 === 4;
export const waitsForChildren = (i: number) => i % 10 === 4;
export const expectedChildren = (agents: number) => 2 * Array.from({ length: agents }, (_, k) => k + 1).filter(delegates).length;
export const childResultOf = (i: number, task: string) => `Reader ${task} of agent ${i}: done.`;

export function delegateArgs(i: number) {
  return {
    tasks: TASKS.map((task) => ({
      name: `reader ${task}`,
      goal: `Read part ${task} of the sources and report back.`,
      tools: ["update_world_state"],
      maxCycles: 20,
    })),
    wait: waitsForChildren(i),
  };
}

/** A child by its name (`Chaos agent 04 › reader a · 2.1`) or its prompt (`You are "Chaos agent 04 › reader a · 2.1"`). */
export function childIdentity(text: string): { i: number; task: string } | null {
  const m = /Chaos agent (\d+) › reader ([ab]) ·/.exec(text);
  return m ? { i: Number(m[1]), task: m[2]! } : null;
}

export const childTool = (cycle: number) => (cycle >= CHILD_FINISH_AT ? ("finish" as const) : ("update_world_state" as const));
export const childArgs = (i: number, task: string, cycle: number) =>
  cycle >= CHILD_FINISH_AT ? { result: childResultOf(i, task) } : { set: { [`c${cycle}`]: cycle } };

type Q = <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]>;

export type DelegationCounts = {
  delegatingParents: number;
  children: number;
  waitResults: number;
  childTriggers: number;
  carves: number;
};

export async function checkDelegation({ q, teamId, parents }: { q: Q; teamId: string; parents: Map<string, number> }) {
  const v: string[] = [];
  const counts: DelegationCounts = { delegatingParents: 0, children: 0, waitResults: 0, childTriggers: 0, carves: 0 };
  const children = await q<{ id: string; name: string; parentId: string; delegationKey: string; status: string; settled: boolean }>(
    `SELECT id, name, "parentId", "delegationKey", status::text, "delegationSettledAt" IS NOT NULL AS settled
       FROM agent WHERE "teamId" = $1 AND "parentId" IS NOT NULL ORDER BY name`,
    [teamId],
  );
  counts.children = children.length;
  const byKey = new Map<string, number>();
  for (const c of children) byKey.set(c.delegationKey, (byKey.get(c.delegationKey) ?? 0) + 1);
  for (const [key, n] of byKey) if (n > 1) v.push(`delegation key ${key}: ${n} children (one expected)`);
  for (const c of children.filter((x) => x.status !== "completed" || !x.settled)) {
    v.push(`child ${c.name} ended ${c.status}${c.settled ? "" : " and was never settled with its parent"}, not completed`);
  }
  for (const [parentId, i] of parents) {
    if (!delegates(i)) continue;
    counts.delegatingParents++;
    const label = `Chaos agent ${String(i).padStart(2, "0")}`;
    const own = children.filter((c) => c.parentId === parentId);
    const tasks = own.map((c) => childIdentity(c.name)?.task ?? "?").sort();
    if (tasks.join() !== "a,b") v.push(`${label}: children for tasks [${tasks.join(", ")}], expected [a, b]`);
    const expected = TASKS.map((task) => childResultOf(i, task));
    if (waitsForChildren(i)) {
      const results = await q<{ payload: { status?: string; result?: { children?: { result?: string | null }[] } } }>(
        `SELECT payload FROM agent_event WHERE "agentId" = $1 AND cycle = $2 AND type = 'tool_result'`,
        [parentId, DELEGATE_AT],
      );
      if (results.length !== 1) v.push(`${label}: ${results.length} delegate results recorded (one expected)`);
      const got = (results[0]?.payload.result?.children ?? []).map((c) => c.result ?? "").sort();
      if (got.join("|") !== expected.join("|")) v.push(`${label}: delegate result [${got.join("; ")}], expected [${expected.join("; ")}]`);
      else counts.waitResults++;
    } else {
      const deliveries = await q<{ deliveryId: string; n: number }>(
        `SELECT "deliveryId", count(*)::int AS n FROM trigger_delivery WHERE "agentId" = $1 AND source = 'child' GROUP BY 1`,
        [parentId],
      );
      const heard = await q<{ deliveryId: string; result: string | null }>(
        `SELECT payload->>'deliveryId' AS "deliveryId", payload->'body'->>'result' AS result
           FROM agent_event WHERE "agentId" = $1 AND type = 'trigger' AND payload->>'source' = 'child'`,
        [parentId],
      );
      const wanted = own.map((c) => `child:${c.id}`).sort();
      if (
        deliveries
          .map((d) => d.deliveryId)
          .sort()
          .join() !== wanted.join() ||
        deliveries.some((d) => d.n !== 1)
      ) {
        v.push(`${label}: child deliveries ${JSON.stringify(deliveries)}, expected one for each of ${wanted.join(", ")}`);
      }
      if (
        heard
          .map((h) => h.deliveryId)
          .sort()
          .join() !== wanted.join()
      ) {
        v.push(`${label}: ${heard.length} child trigger events (${heard.map((h) => h.deliveryId).join(", ")}), expected one per child`);
      }
      const results = heard.map((h) => h.result ?? "").sort();
      if (results.join("|") !== expected.join("|"))
        v.push(`${label}: heard results [${results.join("; ")}], expected [${expected.join("; ")}]`);
      counts.childTriggers += heard.length;
    }
  }
  const carves = await q<{ state: string; n: number }>(
    `SELECT state::text, count(*)::int AS n FROM spend_entry WHERE "teamId" = $1 AND kind = 'delegation' GROUP BY 1`,
    [teamId],
  );
  counts.carves = carves.reduce((a, c) => a + c.n, 0);
  for (const c of carves.filter((x) => x.state !== "committed")) v.push(`${c.n} delegation carves left ${c.state}`);
  if (counts.carves !== children.length) v.push(`${counts.carves} delegation carves for ${children.length} children`);
  return { violations: v, counts };
}
