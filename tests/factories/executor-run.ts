import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createExecutorServer } from "@longhaul/executor";
import { db } from "~/server/db/client";
import { databasePool } from "~/server/db/raw";
import type { ExecutorRunStatus } from "~/server/db/generated/enums";

/** An app and one function of it ("agent-run") as the bundled executor's sync leaves them; idempotent. */
export async function registerTestFunction(appId: string, functionId: string) {
  const url = "http://app.invalid/api/inngest";
  await db.executorApp.upsert({ where: { id: appId }, create: { id: appId, url }, update: {} });
  await db.executorFunction.upsert({
    where: { id: functionId },
    create: { id: functionId, appId, name: "agent-run", url, triggers: [], config: {} },
    update: {},
  });
}

/**
 * A run of `functionId` in `status` with the event that started it, as the bundled executor writes
 * them (a run that is not running ended now); `waitingFor` adds the wait of a step on an event.
 */
export async function createTestExecutorRun(
  functionId: string,
  status: ExecutorRunStatus,
  { waitingFor }: { waitingFor?: { stepId: string; eventName: string } } = {},
) {
  const id = `run-${status}-${randomBytes(8).toString("hex")}`;
  await db.executorEvent.create({ data: { id: `ev-${id}`, name: "agent/run.requested", data: {}, ts: BigInt(Date.now()) } });
  await db.executorRun.create({
    data: { id, functionId, eventId: `ev-${id}`, status, ...(status === "running" ? {} : { endedAt: new Date() }) },
  });
  if (waitingFor) {
    await db.executorWait.create({ data: { runId: id, ...waitingFor, expiresAt: new Date(Date.now() + 86_400_000) } });
  }
  return id;
}

/** The bundled executor's real HTTP server (its REST API, signed with `signingKey`) over the test database, on a free local port. */
export async function serveExecutorApi(signingKey: string) {
  const server = createExecutorServer({ pool: databasePool(), onWork: () => {}, onSyncRequest: async () => null, keys: { signingKey } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
