import "server-only";
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { db } from "../db/client";
import type { EventType } from "../db/generated/enums";
import { AppError } from "../errors";
import { getColdStore, type ColdStore } from "./cold-store";

/**
 * Cold segments: one agent's events [fromSeq, toSeq] as gzip-compressed JSON Lines, one event a
 * line, with the ids of the spend entries that pointed at it (their link is set null when the hot
 * row goes, so the export can still say which event a charge belongs to). Segments of an agent are
 * contiguous and below every hot event (server/hibernation/hibernate.ts moves a prefix), so "all
 * events in seq order" is the segments in order, then the hot rows after the last one.
 */
export type ColdEvent = {
  id: string;
  runId: string | null;
  seq: number;
  cycle: number;
  type: EventType;
  stepId: string | null;
  payload: unknown;
  tokensIn: number;
  tokensOut: number;
  costUsd: string;
  durationMs: number | null;
  createdAt: string;
  spendIds: string[];
};

export type SegmentRef = { key: string; sha256: string; eventCount: number; fromCycle: number; toCycle: number };

export function segmentKey(agentId: string, fromSeq: number, toSeq: number): string {
  return `agents/${agentId}/${fromSeq}-${toSeq}.jsonl.gz`;
}

export function encodeSegment(events: ColdEvent[]): { bytes: Buffer; sha256: string } {
  const text = events.map((event) => JSON.stringify(event)).join("\n") + "\n";
  const bytes = gzipSync(Buffer.from(text, "utf8"));
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Parses and checks a segment's bytes against its row; throws a plain Error saying what is wrong. */
export function decodeSegment(bytes: Buffer, expected: { sha256: string; eventCount: number }): ColdEvent[] {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== expected.sha256) throw new Error("its checksum does not match (the file is corrupted)");
  let text: string;
  try {
    text = gunzipSync(bytes).toString("utf8");
  } catch {
    throw new Error("it is not valid gzip");
  }
  const events = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ColdEvent);
  if (events.length !== expected.eventCount) {
    throw new Error(`it holds ${events.length} events instead of ${expected.eventCount}`);
  }
  return events;
}

/** Recently read segments: paging through an old stretch of history reads each file once. */
const cache = new Map<string, ColdEvent[]>();
const CACHE_SEGMENTS = 16;

/** A segment's events; a missing or damaged file is an AppError that says which cycles are unreadable. */
export async function readSegment(segment: SegmentRef, store: ColdStore = getColdStore()): Promise<ColdEvent[]> {
  const cached = cache.get(segment.key);
  if (cached) {
    cache.delete(segment.key);
    cache.set(segment.key, cached);
    return cached;
  }
  let problem: string;
  try {
    const bytes = await store.get(segment.key);
    if (bytes) {
      const events = decodeSegment(bytes, segment);
      cache.set(segment.key, events);
      if (cache.size > CACHE_SEGMENTS) cache.delete(cache.keys().next().value!);
      return events;
    }
    problem = "its file is missing";
  } catch (error) {
    problem = (error as Error).message;
  }
  throw new AppError(
    "UNAVAILABLE",
    `The archived history of cycles ${segment.fromCycle}–${segment.toCycle} could not be read from cold storage: ${problem}. Newer cycles are unaffected; ask an operator to restore ${segment.key}.`,
  );
}

export function forgetSegment(key: string): void {
  cache.delete(key);
}

const SEGMENT_FIELDS = { key: true, sha256: true, eventCount: true, fromSeq: true, toSeq: true, fromCycle: true, toCycle: true } as const;

/** The agent's segments whose cycles overlap [fromCycle, toCycle], oldest first. */
export function segmentsForCycles({
  agentId,
  teamId,
  fromCycle,
  toCycle,
}: {
  agentId: string;
  teamId: string;
  fromCycle: number;
  toCycle: number;
}) {
  return db.coldSegment.findMany({
    where: { agentId, teamId, fromCycle: { lte: toCycle }, toCycle: { gte: fromCycle } },
    orderBy: { fromSeq: "asc" },
    select: SEGMENT_FIELDS,
  });
}

/** The agent's segments holding events after `afterSeq`, oldest first. */
export function segmentsAfterSeq({ agentId, teamId, afterSeq }: { agentId: string; teamId: string; afterSeq: number }) {
  return db.coldSegment.findMany({
    where: { agentId, teamId, toSeq: { gt: afterSeq } },
    orderBy: { fromSeq: "asc" },
    select: SEGMENT_FIELDS,
  });
}

/** The highest seq in cold storage (0 without segments): hot rows are above it. */
export async function coldThroughSeq({ agentId, teamId }: { agentId: string; teamId: string }): Promise<number> {
  const last = await db.coldSegment.findFirst({ where: { agentId, teamId }, orderBy: { toSeq: "desc" }, select: { toSeq: true } });
  return last?.toSeq ?? 0;
}
