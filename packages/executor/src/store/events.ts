import type { IncomingEvent, InngestEvent } from "../types";

export class BadEventError extends Error {}

/** Validates one incoming event; names the problem so the sender can fix it. */
/** An incoming event, checked: what the store keeps of it before it has an id. */
export type NormalizedEvent = Omit<InngestEvent, "id"> & { idempotencyKey: string | null };

export function normalizeEvent(raw: IncomingEvent, index: number): NormalizedEvent {
  if (typeof raw !== "object" || raw === null) throw new BadEventError(`Event ${index} is not a JSON object.`);
  if (typeof raw.name !== "string" || raw.name.trim() === "") throw new BadEventError(`Event ${index} has no "name".`);
  if (raw.name.startsWith("inngest/") && raw.name !== "inngest/function.failed" && raw.name !== "inngest/function.invoked") {
    throw new BadEventError(`Event ${index}: names starting with "inngest/" are reserved.`);
  }
  const data = raw.data ?? {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new BadEventError(`Event ${index} ("${raw.name}"): "data" must be a JSON object.`);
  if (raw.id !== undefined && raw.id !== null && (typeof raw.id !== "string" || raw.id.length > 256)) {
    throw new BadEventError(`Event ${index} ("${raw.name}"): "id" must be a string of at most 256 characters.`);
  }
  const ts = typeof raw.ts === "number" && Number.isFinite(raw.ts) ? raw.ts : Date.now();
  return { name: raw.name, data, ts, user: raw.user, idempotencyKey: typeof raw.id === "string" ? raw.id : null };
}
