import "server-only";
import { db, type Prisma } from "./client";
import { LOCKS, takeLock } from "./locks";

/** Work to do once an `underAgentLock` transaction has committed (sending the event about a row it wrote). */
const afterCommitWork = new WeakMap<Prisma.TransactionClient, (() => Promise<void>)[]>();

/**
 * Runs `work` after the transaction `tx` commits, when `tx` is one of `underAgentLock`'s; returns false
 * otherwise (the caller then does it itself, or leaves it to a sweeper). `work` must not throw: it runs
 * after the caller's result is decided, and a failure is swallowed.
 */
export function afterCommit(tx: Prisma.TransactionClient, work: () => Promise<void>): boolean {
  const list = afterCommitWork.get(tx);
  if (!list) return false;
  list.push(work);
  return true;
}

/**
 * Serialises one agent's loop writes. Two copies of a step can overlap (an executor died, its lease
 * expired, and the step was sent again while the first copy still ran in the app): every
 * check-then-write of the loop runs under this lock, so the second copy finds what the first wrote.
 */
export async function underAgentLock<T>(
  agentId: string,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options?: { timeoutMs?: number },
): Promise<T> {
  const committed: (() => Promise<void>)[] = [];
  const result = await db.$transaction(
    async (tx) => {
      afterCommitWork.set(tx, committed);
      await takeLock(tx, LOCKS.agentStep(agentId));
      return fn(tx);
    },
    // Loop steps keep Prisma's 5 s; bulk work (hibernating thousands of events) asks for more.
    options?.timeoutMs ? { timeout: options.timeoutMs, maxWait: 10_000 } : undefined,
  );
  for (const work of committed) await work().catch(() => undefined);
  return result;
}
