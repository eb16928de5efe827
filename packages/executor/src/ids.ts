import { monotonicFactory } from "ulid";

// Inngest's run and event ids are ULIDs (26 upper-case Crockford base32 characters).
const nextUlid = monotonicFactory();

export function newId(): string {
  return nextUlid();
}
