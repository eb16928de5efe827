import "server-only";
import { db } from "../db/client";
import { direct } from "../db/raw";
import { claimEffectKey, writeEffectReceipt } from "./sql";

/**
 * The tool-effect ledger: a side effect happens at most once per (agent, cycle, call index), however
 * often the step that makes it is retried or replayed. The key is written before the call and the
 * receipt after; a retry finds the receipt and returns it instead of acting again. A key written
 * without a receipt means the previous attempt died mid-call: its outcome is unknown and it is
 * reported as such rather than repeated — unless the tool is replay-safe (its effect is keyed by the
 * idempotency key in our own database), in which case it is run again and the receipt written.
 */
export type EffectOutcome =
  | { status: "succeeded"; result: unknown; isReplay: boolean }
  | { status: "failed"; error: string; isReplay: boolean }
  | { status: "unknown"; isReplay: true };

/**
 * How long after an attempt began a retried call waits for its receipt (longer than any built-in
 * tool's time limit); an attempt older than that died mid-call.
 */
export const IN_FLIGHT_WAIT_MS = 15_000;

export function effectKey({ agentId, cycle, callIndex }: { agentId: string; cycle: number; callIndex: number }) {
  return `${agentId}:${cycle}:${callIndex}`;
}

/** How often a long call (option `heartbeat`) says it is still running, and when a silent one counts as dead. */
export const EFFECT_HEARTBEAT_MS = 2_000;
export const EFFECT_HEARTBEAT_STALE_MS = 10_000;

export async function performEffect(
  call: { agentId: string; teamId: string; cycle: number; callIndex: number; toolName: string; args: unknown },
  execute: (idempotencyKey: string) => Promise<unknown>,
  {
    replaySafe = false,
    heartbeat = false,
  }: {
    replaySafe?: boolean;
    /**
     * A call that may take long (an MCP tool: minutes): while it runs its key's `heartbeatAt` is renewed,
     * and a retried copy waits for the receipt only while that heartbeat is fresh, not for a fixed time.
     */
    heartbeat?: boolean;
  } = {},
): Promise<EffectOutcome> {
  const idempotencyKey = effectKey(call);
  // The key, written before the call (straight on the pool: the loop writes one for every side effect).
  const isFirstAttempt = await claimEffectKey(direct, { ...call, idempotencyKey });
  if (!isFirstAttempt) {
    // The key exists: an earlier attempt made (or is still making) this call. A copy of the step that
    // overlaps one still running waits for its receipt while that attempt may be alive (IN_FLIGHT_WAIT_MS
    // after it began, or while its heartbeat is fresh) before calling the outcome unknown.
    const read = () =>
      db.toolEffect.findUniqueOrThrow({
        where: { idempotencyKey },
        select: { status: true, result: true, error: true, createdAt: true, heartbeatAt: true },
      });
    const mayBeRunning = (p: { createdAt: Date; heartbeatAt: Date | null }) =>
      heartbeat
        ? Date.now() - (p.heartbeatAt ?? p.createdAt).getTime() < EFFECT_HEARTBEAT_STALE_MS
        : Date.now() < p.createdAt.getTime() + IN_FLIGHT_WAIT_MS;
    let previous = await read();
    while (previous.status === "started" && mayBeRunning(previous)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      previous = await read();
    }
    if (previous.status === "succeeded") return { status: "succeeded", result: previous.result, isReplay: true };
    if (previous.status === "failed") return { status: "failed", error: previous.error ?? "failed", isReplay: true };
    if (!replaySafe) return { status: "unknown", isReplay: true };
    // The attempt died mid-call; doing it again is safe for this tool and tells us the outcome.
  }
  const renew = () =>
    void db.toolEffect
      .updateMany({ where: { idempotencyKey, status: "started" }, data: { heartbeatAt: new Date() } })
      .catch(() => undefined);
  if (heartbeat) renew();
  const beat = heartbeat ? setInterval(renew, EFFECT_HEARTBEAT_MS) : null;
  try {
    const result = await execute(idempotencyKey);
    await writeEffectReceipt(direct, { idempotencyKey, result });
    return { status: "succeeded", result, isReplay: false };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.toolEffect.updateMany({
      where: { idempotencyKey, status: "started" },
      data: { status: "failed", error: message, completedAt: new Date() },
    });
    return { status: "failed", error: message, isReplay: false };
  } finally {
    if (beat) clearInterval(beat);
  }
}
