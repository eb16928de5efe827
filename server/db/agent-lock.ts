import "server-only";
import { db, type Prisma } from "./client";
import { LOCKS, takeLock } from "./locks";

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
  return db.$transaction(
    async (tx) => {
      await takeLock(tx, LOCKS.agentStep(agentId));
      return fn(tx);
    },
    // Loop steps keep Prisma's 5 s; bulk work (hibernating thousands of events) asks for more.
    options?.timeoutMs ? { timeout: options.timeoutMs, maxWait: 10_000 } : undefined,
  );
}
